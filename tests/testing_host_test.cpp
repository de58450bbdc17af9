// The SDK's test host (iter8/testing.hpp, Iter8Sdk::testing) on real plugins: the handler's
// loader checks, input checks and host services, in this process, with no handler binary.
#include "iter8/testing.hpp"

#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using sdk::testing::Result;
using sdk::testing::TestHost;
using test::testPluginDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

std::string plugin(const std::string& name) {
  return testPluginDir(name) + "/" + name + ".so";
}

TEST(TestHost, RunsACPluginAndKeepsWhatItDid) {
  TestHost host;
  host.experiment("metadata: {name: shop, namespace: prod}\nspec: {}\nstatus: {stage: Running}");
  host.load(plugin("hello_c"));
  Result r = host.run(R"({task: hello_c/greet, with: {who: "you \"there\"",
                          message: "{{ .metadata.name }} says hi"}})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.stage, ITER8_TESTING_STAGE_RUN);
  EXPECT_THAT(r.patches, ElementsAre(R"({"message":"greeted you \"there\""})"));
  EXPECT_EQ(r.status, R"({"stage":"Running","message":"greeted you \"there\""})");
  EXPECT_THAT(r.messages(ITER8_LOG_INFO),
              ElementsAre(HasSubstr("hello, you \"there\" (handler "), "shop says hi"));
}

TEST(TestHost, TheHostsInputCheckRefusesBeforeMakeTask) {
  TestHost host;
  host.load(plugin("hello_c"));
  Result missing = host.run("{task: hello_c/greet, with: {}}");
  EXPECT_EQ(missing.code, ITER8_ERR_INVALID_INPUT);
  EXPECT_EQ(missing.stage, ITER8_TESTING_STAGE_INPUTS);
  EXPECT_EQ(missing.error, "input 'with.who' is required; expected string");
  Result unknown = host.run("{task: hello_c/greet, with: {who: a, whom: b}}");
  EXPECT_TRUE(unknown.ok()) << unknown.error;
  EXPECT_THAT(unknown.messages(ITER8_LOG_WARNING),
              ElementsAre(HasSubstr("unknown input 'with.whom' is ignored (did you mean `who`?)")));
  Result task = host.run("{task: hello_c/great, with: {who: a}}");
  EXPECT_EQ(task.stage, ITER8_TESTING_STAGE_NONE);
  EXPECT_THAT(task.error, HasSubstr("has no task 'great' (did you mean `greet`?)"));
}

TEST(TestHost, MakeTaskRefusalsAndRunFailuresSayWhereTheyStopped) {
  TestHost host;
  host.load(plugin("hello_c"));
  Result pause = host.run(R"({task: hello_c/greet, with: {who: a, pause: "2 seconds"}})");
  EXPECT_EQ(pause.code, ITER8_ERR_INVALID_INPUT);
  EXPECT_EQ(pause.stage, ITER8_TESTING_STAGE_MAKE);
  EXPECT_THAT(pause.error,
              HasSubstr("input 'with.pause' is \"2 seconds\"; expected a Go duration"));
  EXPECT_TRUE(pause.patches.empty());

  TestHost kit;
  kit.load(plugin("testkit"));
  Result fail = kit.run("{task: testkit/fail, with: {message: disk full}}");
  EXPECT_EQ(fail.stage, ITER8_TESTING_STAGE_RUN);
  EXPECT_EQ(fail.code, ITER8_ERR_TASK_FAILED);
  EXPECT_EQ(fail.error, "disk full");
}

TEST(TestHost, StatusPatchesMergeAndNullsDelete) {
  TestHost host;
  host.load(plugin("testkit"));
  ASSERT_TRUE(host.run(R"({task: testkit/status, with: {patch: {a: {x: 1, y: 2}, b: 3}}})").ok());
  Result second = host.run(R"({task: testkit/status, with: {patch: {a: {x: null}, b: null}}})");
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_THAT(second.patches, ElementsAre(R"({"a":{"x":null},"b":null})"));  // this run's only
  EXPECT_EQ(second.status, R"({"a":{"y":2}})");
}

TEST(TestHost, SecretsAreDeliveredAndMaskedEverywhere) {
  TestHost host;
  host.experiment("metadata: {name: e, namespace: team}");
  host.secret("creds", R"({"token":"s3cr3t-value","fail":"s3cr3t-value"})");
  host.load(plugin("testkit"));
  Result r = host.run("{task: testkit/secret, with: {ref: creds}}");
  EXPECT_EQ(r.code, ITER8_ERR_TASK_FAILED);
  EXPECT_EQ(r.error, "bad token ******");
  ASSERT_FALSE(r.logs.empty());
  EXPECT_THAT(r.messages(ITER8_LOG_TRACE), ElementsAre("key fail = ******", "key token = ******"));
  for (const auto& line : r.logs) EXPECT_THAT(line.message, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(r.terminationLog, Not(HasSubstr("s3cr3t")));
  Result absent = host.run("{task: testkit/secret, with: {ref: other/creds}}");
  EXPECT_EQ(absent.code, ITER8_ERR_NOT_FOUND);
  EXPECT_THAT(absent.error, HasSubstr("secret other/creds does not exist"));
}

TEST(TestHost, CancellationWakesAWaitingTask) {
  TestHost host;
  host.load(plugin("testkit"));
  host.cancelAfter(50ms);
  auto start = std::chrono::steady_clock::now();
  Result timed = host.run("{task: testkit/sleep, with: {seconds: 30}}");
  EXPECT_EQ(timed.code, ITER8_ERR_CANCELLED);
  EXPECT_EQ(timed.error, "sleep cancelled: the handler is stopping");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);

  host.cancelAfter(-1ms);  // never: only cancel() from another thread ends it
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    host.cancel();
  });
  start = std::chrono::steady_clock::now();
  Result stopped = host.run("{task: testkit/sleep, with: {seconds: 30}}");
  stopper.join();
  EXPECT_EQ(stopped.code, ITER8_ERR_CANCELLED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(host.run("{task: testkit/sleep, with: {seconds: 0.01}}").ok());  // reset per run
}

TEST(TestHost, PretendingAnOlderAbiRefusesANewerPluginAndRunsAnOldOne) {
  TestHost old;
  old.abi(1, 0);
  EXPECT_THAT(old.loadError(plugin("hello_c")),
              HasSubstr("was built for plugin ABI 1.2 but this handler supports ABI 1.0"));
  old.load(plugin("abi10"));
  Result r = old.run("{task: abi10/greet, with: {who: old friends}}");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, R"({"abi10":"greeted old friends"})");
  EXPECT_THROW(TestHost().abi(1, ITER8_ABI_MINOR + 1), std::runtime_error);
  EXPECT_THROW(TestHost().abi(2, 0), std::runtime_error);
}

// ABI 1.2's cancel_reason: the test host reports the reason the test chose, and a task can say
// it in its own message (testkit/sleep does, with sdk::cancelReasonText).
TEST(TestHost, ATaskReadsWhyItWasCancelled) {
  TestHost host;
  host.load(plugin("testkit"));
  host.cancelAfter(20ms);
  EXPECT_EQ(host.run("{task: testkit/sleep, with: {seconds: 30}}").error,
            "sleep cancelled: the handler is stopping")
      << "a stop signal is the default reason";
  host.cancelReason(ITER8_CANCEL_TASK_TIMEOUT);
  Result timedOut = host.run("{task: testkit/sleep, with: {seconds: 30}}");
  EXPECT_EQ(timedOut.code, ITER8_ERR_CANCELLED);
  EXPECT_EQ(timedOut.error, "sleep cancelled: its time limit passed");
  host.cancelReason(ITER8_CANCEL_NONE);  // back to the default
  EXPECT_EQ(host.run("{task: testkit/sleep, with: {seconds: 30}}").error,
            "sleep cancelled: the handler is stopping");
}

// A plugin built against 1.2 (testkit uses cancel_reason) is refused by a host that pretends to be
// 1.1, with the loader's message; one built against the frozen 1.1 header loads and runs in a 1.1
// host and in this one.
TEST(TestHost, A12PluginRefusesA11HostAndA11PluginRunsInBoth) {
  TestHost old;
  old.abi(1, 1);
  EXPECT_THAT(old.loadError(plugin("testkit")),
              HasSubstr("was built for plugin ABI 1.2 but this handler supports ABI 1.1 (same "
                        "major, minor up to 1); rebuild it against this handler's SDK"));
  const std::string hello11 = testPluginDir("hello_c_abi11") + "/hello_c.so";
  for (uint16_t minor : {uint16_t{1}, uint16_t{ITER8_ABI_MINOR}}) {
    SCOPED_TRACE("host ABI 1." + std::to_string(minor));
    TestHost host;
    host.abi(1, minor);
    host.experiment("metadata: {name: shop, namespace: prod}\nspec: {}");
    host.load(hello11);
    Result r = host.run("{task: hello_c/greet, with: {who: old friends}}");
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_THAT(r.status, HasSubstr("old friends"));
  }
}

// The frozen 1.0 `interpolate` service, called by a plugin built against the 1.0 header, in a
// host that pretends to be 1.0 and in the current one: the same renderings.
TEST(TestHost, TheFrozenInterpolateServiceBehavesForA10Plugin) {
  for (uint16_t minor : {uint16_t{0}, uint16_t{ITER8_ABI_MINOR}}) {
    SCOPED_TRACE("host ABI 1." + std::to_string(minor));
    TestHost host;
    host.abi(1, minor);
    host.load(plugin("abi10"));
    Result r = host.run("{task: abi10/render}");
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_THAT(r.messages(ITER8_LOG_INFO),
                ElementsAre("render plain: 0 x and <no value>", "render delims: 0 y {{ .a }}",
                            "render callable: 0 t0k",
                            // ITER8_ERR_NOT_FOUND, then ITER8_ERR_INVALID_INPUT
                            "render callable-missing: 4 template: 1:3: executing at <.Secret>: "
                            "Secret has no key \"nope\"",
                            "render syntax: 1 template: 1:6: unclosed action",
                            "render no-data: 0 plain text"));
  }
}

TEST(TestHost, LoadsWithTheHandlersChecks) {
  TestHost host;
  EXPECT_THAT(host.loadError(plugin("bad_wrong_major")), HasSubstr("was built for plugin ABI 99."));
  EXPECT_THAT(host.loadError(plugin("bad_no_make_task")), HasSubstr("does not export 'MakeTask'"));
  EXPECT_THAT(host.loadError(testPluginDir("hello_c") + "/absent.so"),
              HasSubstr("no plugin provides library 'absent'"));
  Result none = host.run("{task: hello_c/greet, with: {who: a}}");
  EXPECT_EQ(none.error, "no plugin loaded");
}

}  // namespace
}  // namespace iter8
