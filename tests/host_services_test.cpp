// The services ABI 1.1 and 1.2 appended to iter8_host_services, called through the table exactly
// as a plugin calls them (function pointers, sinks, caller-owned error buffers).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "host/loader/host_services.h"
#include "host/log.h"
#include "host/process/cancellation.h"
#include "host/runner/exit_code.h"
#include "iter8/host.hpp"
#include "iter8/plugin_api.h"
#include "iter8_version.h"

namespace iter8 {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void toString(void* ctx, const char* data, size_t size) {
  static_cast<std::string*>(ctx)->assign(data, size);
}

class HostServices : public ::testing::Test {
 protected:
  void SetUp() override {
    context_.label = "action start, task 3 (acme/notify)";
    services_ = makeHostServices(&context_);
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged_);
    logger().sinks().push_back(sink_);
  }
  void TearDown() override {
    auto& sinks = logger().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

  // interpolate_with; returns the status, the result in `out`, the error in `error_`.
  iter8_status render(const char* text, const char* data, const iter8_interpolate_options* options,
                      std::string& out) {
    error_[0] = '\0';
    return services_.interpolate_with(services_.host, text, data, options, toString, &out, error_,
                                      sizeof error_);
  }

  iter8_status lookup(const char* json, const char* pointer, iter8_json_type* type,
                      std::string& out) {
    error_[0] = '\0';
    return services_.json_lookup(services_.host, json, pointer, type, toString, &out, error_,
                                 sizeof error_);
  }

  TaskContext context_;
  iter8_host_services services_{};
  char error_[ITER8_ERROR_BUFFER_SIZE] = {0};
  std::ostringstream logged_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

iter8_interpolate_options defaults() {
  iter8_interpolate_options options{};
  options.struct_size = sizeof options;
  return options;
}

TEST_F(HostServices, TableDeclaresAbi12AndHasEveryNewService) {
  EXPECT_EQ(services_.abi_major, 1);
  EXPECT_EQ(services_.abi_minor, 2);
  EXPECT_TRUE(ITER8_HOST_HAS(&services_, cancel_reason));
  // A table as a 1.1 host built it ends before cancel_reason.
  iter8_host_services v11 = services_;
  v11.struct_size = offsetof(iter8_host_services, cancel_reason);
  EXPECT_TRUE(ITER8_HOST_HAS(&v11, handler_version));
  EXPECT_FALSE(ITER8_HOST_HAS(&v11, cancel_reason));
  EXPECT_TRUE(ITER8_HOST_HAS(&services_, interpolate_with));
  EXPECT_TRUE(ITER8_HOST_HAS(&services_, json_lookup));
  EXPECT_TRUE(ITER8_HOST_HAS(&services_, wait_cancelled));
  EXPECT_TRUE(ITER8_HOST_HAS(&services_, handler_version));
  // A table as a 1.0 host built it ends before the 1.1 services.
  iter8_host_services old = services_;
  old.struct_size = offsetof(iter8_host_services, is_cancelled) + sizeof old.is_cancelled;
  EXPECT_TRUE(ITER8_HOST_HAS(&old, is_cancelled));
  EXPECT_FALSE(ITER8_HOST_HAS(&old, interpolate_with));
  EXPECT_FALSE(ITER8_HOST_HAS(&old, handler_version));
}

TEST_F(HostServices, HandlerVersionIsTheBuildsVersion) {
  EXPECT_STREQ(services_.handler_version(services_.host), ITER8_VERSION);
}

TEST_F(HostServices, InterpolateWithNullOptionsIsGoTextTemplate) {
  std::string out;
  ASSERT_EQ(render("{{ .a }}-{{ .gone }}", R"({"a":"x"})", nullptr, out), ITER8_OK) << error_;
  EXPECT_EQ(out, "x-<no value>");
}

TEST_F(HostServices, MissingKeyModesAndTheWarningThatNamesTheKeyAndTask) {
  iter8_interpolate_options options = defaults();
  options.missing_key = ITER8_MISSING_KEY_EMPTY;
  std::string out;
  ASSERT_EQ(
      render("[{{ .this.metadta.name }}]", R"({"this":{"metadata":{"name":"e"}}})", &options, out),
      ITER8_OK);
  EXPECT_EQ(out, "[]");
  EXPECT_THAT(logged_.str(), HasSubstr("action start, task 3 (acme/notify): template key "
                                       ".this.metadta.name is missing; it rendered as an empty "
                                       "string"));

  options.missing_key = ITER8_MISSING_KEY_ERROR;
  EXPECT_EQ(render("{{ .nope }}", "{}", &options, out), ITER8_ERR_INVALID_INPUT);
  EXPECT_THAT(error_, HasSubstr("map has no entry for key \"nope\""));

  options.missing_key = 7;
  EXPECT_EQ(render("x", "{}", &options, out), ITER8_ERR_INVALID_INPUT);
  EXPECT_THAT(error_, HasSubstr("missing_key 7 is not an iter8_missing_key"));
}

TEST_F(HostServices, DelimitersGoFieldNamesAndCallables) {
  const char* callables[] = {"Secret"};
  iter8_interpolate_options options = defaults();
  options.left_delim = "@<";
  options.right_delim = ">@";
  options.field_names = ITER8_FIELD_NAMES_GO;
  options.callables = callables;
  options.callable_count = 1;
  const char* data = R"({"spec":{"target":"shop/app"},"Secret":{"token":"abc123"}})";
  std::string out;
  ASSERT_EQ(render(R"(@< .Spec.Target >@ @< .Secret "token" >@ {{ .x }})", data, &options, out),
            ITER8_OK)
      << error_;
  EXPECT_EQ(out, "shop/app abc123 {{ .x }}");
  // A callable's missing key is "not found", so a plugin can tell it from a template error.
  EXPECT_EQ(render(R"(@< .Secret "nope" >@)", data, &options, out), ITER8_ERR_NOT_FOUND);
  EXPECT_THAT(error_, HasSubstr("Secret has no key \"nope\""));
  EXPECT_EQ(render("@< .Spec.Target", data, &options, out), ITER8_ERR_INVALID_INPUT);
}

TEST_F(HostServices, OptionsFromAnOlderCallerReadOnlyWhatItHas) {
  // A caller whose struct ends after field_names: delimiters and callables are not read.
  iter8_interpolate_options options = defaults();
  options.struct_size = offsetof(iter8_interpolate_options, callable_count);
  options.left_delim = "@<";  // beyond struct_size: must be ignored
  options.missing_key = ITER8_MISSING_KEY_EMPTY;
  std::string out;
  ASSERT_EQ(render("{{ .a }}@< .a >@", R"({"a":1})", &options, out), ITER8_OK) << error_;
  EXPECT_EQ(out, "1@< .a >@");
}

TEST_F(HostServices, RenderedTextIsLimited) {
  std::string big(700 * 1024, 'x');
  std::string data = R"({"a":")" + big + R"("})";
  std::string out;
  EXPECT_EQ(render("{{ .a }}{{ .a }}", data.c_str(), nullptr, out), ITER8_ERR_INVALID_INPUT);
  EXPECT_THAT(error_, HasSubstr("exceeds the limit of 1048576 bytes"));
}

TEST_F(HostServices, JsonLookupDeliversStringsUnescapedAndTheRestAsJson) {
  const char* json =
      R"({"with":{"who":"a \"b\"\nc","n":2.5,"list":[1,{"x":null}],"a/b":true,"m~n":{}}})";
  iter8_json_type type = ITER8_JSON_NULL;
  std::string out;
  ASSERT_EQ(lookup(json, "/with/who", &type, out), ITER8_OK) << error_;
  EXPECT_EQ(type, ITER8_JSON_STRING);
  EXPECT_EQ(out, "a \"b\"\nc");
  ASSERT_EQ(lookup(json, "/with/n", &type, out), ITER8_OK);
  EXPECT_EQ(type, ITER8_JSON_NUMBER);
  EXPECT_EQ(out, "2.5");
  ASSERT_EQ(lookup(json, "/with/list", &type, out), ITER8_OK);
  EXPECT_EQ(type, ITER8_JSON_ARRAY);
  EXPECT_EQ(out, R"([1,{"x":null}])");
  ASSERT_EQ(lookup(json, "/with/list/1/x", &type, out), ITER8_OK);
  EXPECT_EQ(type, ITER8_JSON_NULL);
  EXPECT_EQ(out, "null");
  ASSERT_EQ(lookup(json, "/with/a~1b", &type, out), ITER8_OK);
  EXPECT_EQ(type, ITER8_JSON_BOOL);
  EXPECT_EQ(out, "true");
  ASSERT_EQ(lookup(json, "/with/m~0n", &type, out), ITER8_OK);
  EXPECT_EQ(type, ITER8_JSON_OBJECT);
  ASSERT_EQ(lookup(json, "", nullptr, out), ITER8_OK);  // the whole document; type optional
  EXPECT_THAT(out, HasSubstr("\"who\""));
}

TEST_F(HostServices, JsonLookupSaysWhatIsWrong) {
  std::string out = "untouched";
  EXPECT_EQ(lookup(R"({"with":{}})", "/with/who", nullptr, out), ITER8_ERR_NOT_FOUND);
  EXPECT_STREQ(error_, "nothing at JSON pointer '/with/who'");
  EXPECT_EQ(lookup(R"({"with":[1]})", "/with/7", nullptr, out), ITER8_ERR_NOT_FOUND);
  EXPECT_EQ(lookup(R"({"with":{}})", "with", nullptr, out), ITER8_ERR_INVALID_INPUT);
  EXPECT_THAT(error_, HasSubstr("JSON pointer 'with' is malformed"));
  EXPECT_EQ(lookup("{not json", "", nullptr, out), ITER8_ERR_INVALID_INPUT);
  EXPECT_EQ(out, "untouched");  // nothing is delivered on failure
}

TEST_F(HostServices, WaitCancelledSleepsForTheTimeoutWhenNotCancelled) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(services_.wait_cancelled(services_.host, 150), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(140));
}

// Cancellation is process-wide and sticky; ctest runs each test in its own process.
TEST_F(HostServices, WaitCancelledWakesEveryWaiterAtOnce) {
  std::atomic<int> woken{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&] {
      if (services_.wait_cancelled(services_.host, 30000) != 0) ++woken;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  requestCancellation();
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(woken.load(), 3);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(services_.wait_cancelled(services_.host, 30000), 1);  // returns at once after
}

TEST_F(HostServices, WaitCancelledWakesOnARealSignal) {
  installCancellationHandlers(kExitCancelled);
  std::thread signaller([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    kill(getpid(), SIGTERM);
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(services_.wait_cancelled(services_.host, 30000), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  signaller.join();
}

// ABI 1.2: none until cancelled; a stop signal to this process reads as a signal.
TEST_F(HostServices, CancelReasonIsNoneUntilAStopSignalThenSignal) {
  installCancellationHandlers(kExitCancelled);
  EXPECT_EQ(services_.cancel_reason(services_.host), ITER8_CANCEL_NONE);
  kill(getpid(), SIGTERM);
  EXPECT_EQ(services_.wait_cancelled(services_.host, 30000), 1);
  EXPECT_EQ(services_.cancel_reason(services_.host), ITER8_CANCEL_SIGNAL);
}

// The first reason stays: a stop signal after a time limit does not rewrite why a task stopped.
TEST_F(HostServices, CancelReasonKeepsTheFirstReason) {
  requestCancellation(CancelReason::kTaskTimeout);
  EXPECT_EQ(services_.cancel_reason(services_.host), ITER8_CANCEL_TASK_TIMEOUT);
  requestCancellation(CancelReason::kSignal);
  EXPECT_EQ(services_.cancel_reason(services_.host), ITER8_CANCEL_TASK_TIMEOUT);
  EXPECT_EQ(services_.is_cancelled(services_.host), 1);
}

// The SDK's C++ layer over a 1.1 host's table (a plugin that lowered its abi_minor on purpose):
// the 1.2 service is refused with a message naming it and the ABI that added it.
TEST_F(HostServices, SdkHostSaysWhichServiceAndAbiAreMissing) {
  iter8_host_services v11 = services_;
  v11.struct_size = offsetof(iter8_host_services, cancel_reason);
  v11.abi_minor = 1;
  const sdk::Host host(&v11);
  try {
    (void)host.cancelReason();
    FAIL() << "a 1.1 table has no cancel_reason";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), ITER8_ERR_UNAVAILABLE);
    EXPECT_STREQ(e.what(),
                 "the handler does not provide the host service 'cancel_reason' (plugin ABI 1.2)");
  }
  EXPECT_EQ(sdk::Host(&services_).cancelReason(), ITER8_CANCEL_NONE);
  EXPECT_STREQ(sdk::cancelReasonText(ITER8_CANCEL_TASK_TIMEOUT), "its time limit passed");
  EXPECT_STREQ(sdk::cancelReasonText(static_cast<iter8_cancel_reason>(9)), "it was cancelled");
}

}  // namespace
}  // namespace iter8
