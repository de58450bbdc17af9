// iter8/testing.hpp: iter8/testing.h for C++ tests (GoogleTest or any other): a test host that
// loads a plugin with the handler's checks and runs one task at a time against an experiment
// in memory. Header-only over the C API; link Iter8Sdk::testing.
//
//   iter8::sdk::testing::TestHost host;
//   host.experiment(R"({metadata: {name: e, namespace: ns}, spec: {}})");
//   host.load(HELLO_PLUGIN);                        // throws std::runtime_error on refusal
//   auto result = host.run("{task: hello/greet, with: {who: you}}");
//   EXPECT_TRUE(result.ok()) << result.error;
//   EXPECT_EQ(result.status, R"({"message":"greeted you"})");
//   EXPECT_EQ(result.messages(ITER8_LOG_INFO), std::vector<std::string>{"hello, you"});
#pragma once

#include <chrono>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "iter8/testing.h"

namespace iter8::sdk::testing {

struct LogLine {
  iter8_log_level level;
  std::string message;  // without the "action ..., task ...: " prefix; secrets masked
};

// What one run left behind.
struct Result {
  iter8_status code = ITER8_OK;                          // ITER8_OK: made, ran and succeeded
  std::string error;                                     // the one-line message when it did not
  iter8_testing_stage stage = ITER8_TESTING_STAGE_NONE;  // where it stopped
  std::vector<std::string> patches;                      // update_status calls, as sent
  std::string status;  // the experiment's status after them, compact JSON
  std::vector<LogLine> logs;
  std::string terminationLog;

  bool ok() const { return code == ITER8_OK; }
  // The messages logged at `level`, in order.
  std::vector<std::string> messages(iter8_log_level level) const {
    std::vector<std::string> out;
    for (const auto& line : logs) {
      if (line.level == level) out.push_back(line.message);
    }
    return out;
  }
};

class TestHost {
 public:
  TestHost() : host_(iter8_testing_host_new()) {
    if (host_ == nullptr) throw std::bad_alloc();
  }
  ~TestHost() { iter8_testing_host_free(host_); }
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  // The experiment as JSON or YAML text.
  TestHost& experiment(const std::string& text) {
    check(iter8_testing_set_experiment(host_, text.c_str()));
    return *this;
  }
  // A secret: `ref` "name" or "namespace/name", `dataJson` {"key":"value",...}.
  TestHost& secret(const std::string& ref, const std::string& dataJson) {
    check(iter8_testing_add_secret(host_, ref.c_str(), dataJson.c_str()));
    return *this;
  }
  // The ABI the host pretends to be (before load()).
  TestHost& abi(uint16_t major, uint16_t minor) {
    check(iter8_testing_set_abi(host_, major, minor));
    return *this;
  }
  // Cancelled `after` the start of each run, as a Job stopped then.
  TestHost& cancelAfter(std::chrono::milliseconds after) {
    iter8_testing_cancel_after(host_, static_cast<int64_t>(after.count()));
    return *this;
  }
  // Cancels now; callable from another thread while a task runs.
  void cancel() { iter8_testing_cancel(host_); }
  // What Host::cancelReason() reports once cancelled (ABI 1.2): a stop signal (the default) or
  // ITER8_CANCEL_TASK_TIMEOUT, as `handler run --task-timeout` would.
  TestHost& cancelReason(iter8_cancel_reason reason) {
    iter8_testing_set_cancel_reason(host_, reason);
    return *this;
  }

  // Loads `<library>.so` with the handler's checks; throws std::runtime_error with the reason.
  TestHost& load(const std::string& pluginPath) {
    check(iter8_testing_load_plugin(host_, pluginPath.c_str()));
    return *this;
  }
  // The reason load() would throw, or "" when the plugin loads.
  std::string loadError(const std::string& pluginPath) {
    return iter8_testing_load_plugin(host_, pluginPath.c_str()) == ITER8_OK
               ? std::string()
               : std::string(iter8_testing_error(host_));
  }

  // One item ({task: lib/name, with: {...}}, JSON or YAML): inputs checked, made, run.
  Result run(const std::string& taskSpec) {
    Result result;
    result.code = iter8_testing_run_task(host_, taskSpec.c_str());
    result.error = iter8_testing_error(host_);
    result.stage = iter8_testing_stage_reached(host_);
    for (size_t i = 0; i < iter8_testing_patch_count(host_); ++i) {
      result.patches.emplace_back(iter8_testing_patch(host_, i));
    }
    result.status = iter8_testing_status(host_);
    for (size_t i = 0; i < iter8_testing_log_count(host_); ++i) {
      iter8_log_level level = ITER8_LOG_INFO;
      const char* message = iter8_testing_log_line(host_, i, &level);
      result.logs.push_back({level, message != nullptr ? message : ""});
    }
    result.terminationLog = iter8_testing_termination_log(host_);
    return result;
  }

  iter8_testing_host* raw() { return host_; }

 private:
  void check(iter8_status status) {
    if (status != ITER8_OK) throw std::runtime_error(iter8_testing_error(host_));
  }

  iter8_testing_host* host_;
};

}  // namespace iter8::sdk::testing
