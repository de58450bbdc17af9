// Supervision end to end: a real handler runs plugins that crash, abort, exit, spin or leave
// threads behind; each must fail only its own task, with a reason, and keep earlier status.
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using test::handlerPath;
using test::handlerRunArgv;
using test::ProcessOptions;
using test::ProcessResult;
using test::readFile;
using test::runProcess;
using test::shippedPluginDir;
using test::TempDir;
using test::testPluginDir;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// An experiment whose `start` action is `tasksYaml` (a YAML list, indented by 6).
std::string experiment(const std::string& tasksYaml) {
  return "apiVersion: iter8.tools/v2alpha2\nkind: Experiment\nmetadata:\n  name: exp-1\n"
         "  namespace: team-a\nspec:\n  strategy:\n    actions:\n      start:\n" +
         tasksYaml + "\n";
}

// Writes status.step = N, then the task under test, then a task that must not run.
std::string between(const std::string& faultyTask) {
  return experiment(R"(      - task: testkit/status
        with: {patch: {step: 1}}
)" + faultyTask + R"(
      - task: testkit/status
        with: {patch: {step: 3}})");
}

class Supervision : public ::testing::Test {
 protected:
  ProcessResult run(const std::string& experimentText, std::vector<std::string> extra = {},
                    ProcessOptions options = {}) {
    path_ = dir_.write("experiment.yaml", experimentText);
    std::vector<std::string> argv =
        handlerRunArgv("start", path_, dir_.file("termination-log"), {"testkit", "faulty"}, extra);
    auto start = Clock::now();
    ProcessResult result = runProcess(argv, options);
    elapsed_ = Clock::now() - start;
    return result;
  }
  std::string terminationLog() { return readFile(dir_.file("termination-log")); }
  // status.step as written in the file, or -1 when there is none.
  int step() {
    rapidjson::Document doc = parseYaml(readFile(path_));
    const rapidjson::Value* status = findMember(doc, "status");
    const rapidjson::Value* step = status ? findMember(*status, "step") : nullptr;
    return step && step->IsInt() ? step->GetInt() : -1;
  }

  TempDir dir_;
  std::string action_ = "start";
  std::string path_;
  Clock::duration elapsed_{};
};

TEST_F(Supervision, ASegfaultFailsItsTaskKeepsEarlierStatusAndStopsTheRest) {
  auto result = run(between("      - task: faulty/segv"));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  const std::string reason = "action start, task 1 (faulty/segv) crashed: SIGSEGV";
  EXPECT_THAT(result.err, HasSubstr(reason));
  EXPECT_THAT(terminationLog(), HasSubstr(reason));
  EXPECT_EQ(step(), 1) << "status written before the crash is kept; task 2 did not run";
}

TEST_F(Supervision, AnAbortIsReportedAsSigabrt) {
  auto result = run(between("      - task: faulty/abort"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(), HasSubstr("task 1 (faulty/abort) crashed: SIGABRT"));
  EXPECT_EQ(step(), 1);
}

TEST_F(Supervision, ExitZeroInRunIsAFailureNotASuccess) {
  auto result = run(between("      - task: faulty/exit\n        with: {code: 0}"));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("task 1 (faulty/exit) exited without returning (exit status 0)"));
  EXPECT_EQ(step(), 1) << "the rest of the action did not run";
}

TEST_F(Supervision, UnderscoreExitWithAStatusIsReportedWithIt) {
  auto result = run(between("      - task: faulty/exit\n        with: {code: 7, fast: true}"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(), HasSubstr("exited without returning (exit status 7)"));
}

TEST_F(Supervision, AThreadLeftLoggingDoesNotOutliveItsTask) {
  auto result = run(between("      - task: faulty/thread"));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(step(), 3);
  // Its lines may appear while the task's process lives, never after the next task started.
  size_t next = result.err.find("task 2 (testkit/status): started");
  ASSERT_NE(next, std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("stray thread still logging", next), std::string::npos);
}

TEST_F(Supervision, ATaskPastTheTimeLimitIsStoppedAndNamed) {
  ProcessOptions options;
  auto result = run(between("      - task: testkit/sleep\n        with: {seconds: 30}"),
                    {"--task-timeout", "300ms"}, options);
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("task 1 (testkit/sleep) did not finish within 300ms (--task-timeout)"));
  EXPECT_LT(elapsed_, std::chrono::seconds(5)) << "a cooperative task stops at once";
  EXPECT_EQ(step(), 1);
}

// Issue 23, item 11: under a time limit the task learns why it was stopped (cancel_reason, ABI
// 1.2) and its own message stays beside the host's, in the log, the termination log and the
// Iter8Log line alike.
TEST_F(Supervision, AtTheTimeLimitTheTaskKnowsWhyAndItsMessageIsKept) {
  auto result = run(between("      - task: testkit/sleep\n        with: {seconds: 30}"),
                    {"--task-timeout", "300ms"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  const std::string line =
      "action start, task 1 (testkit/sleep) did not finish within 300ms (--task-timeout); it was "
      "stopped; the task said: sleep cancelled: its time limit passed";
  EXPECT_THAT(terminationLog(), HasSubstr(line));
  EXPECT_THAT(result.err, HasSubstr(line));
  EXPECT_THAT(result.out, HasSubstr(line)) << "the Iter8Log line";
  EXPECT_EQ(step(), 1);
}

TEST_F(Supervision, OnAStopSignalTheTaskKnowsWhy) {
  ProcessOptions options;
  options.terminateAfter = std::chrono::milliseconds(500);
  auto result = run(between("      - task: testkit/sleep\n        with: {seconds: 30}"),
                    {"--task-timeout", "20s"}, options);
  EXPECT_EQ(result.exitCode, 5) << result.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("action start, task 1 (testkit/sleep): sleep cancelled: the handler is "
                        "stopping"));
  EXPECT_THAT(terminationLog(), Not(HasSubstr("time limit")));
}

// A shipped task says it too: common/bash's script stopped at the time limit.
TEST_F(Supervision, ABashScriptStoppedAtTheTimeLimitSaysSo) {
  auto result = run(experiment(R"(      - task: common/bash
        with: {script: sleep 30})"),
                    {"--task-timeout", "500ms"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("task 0 (common/bash) did not finish within 500ms (--task-timeout); it "
                        "was stopped; the task said: bash script was stopped: its time limit "
                        "passed"));
  EXPECT_LT(elapsed_, std::chrono::seconds(5));
}

TEST_F(Supervision, TheTimeLimitComesFromTheEnvironmentToo) {
  ProcessOptions options;
  options.env["ITER8_TASK_TIMEOUT"] = "200ms";
  options.env["ITER8_STOP_GRACE"] = "500ms";
  auto result = run(between("      - task: faulty/spin"), {}, options);
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("task 1 (faulty/spin) did not finish within 200ms (--task-timeout); it "
                        "did not stop within 500ms of SIGTERM and was killed"));
  EXPECT_LT(elapsed_, std::chrono::seconds(5));
}

TEST_F(Supervision, ABadTimeLimitIsAUsageError) {
  auto result = run(between("      - task: faulty/spin"), {"--task-timeout", "soon"});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("--task-timeout (or ITER8_TASK_TIMEOUT) 'soon'"));
  auto isolation = run(between("      - task: faulty/spin"), {"--isolation", "thread"});
  EXPECT_EQ(isolation.exitCode, 2);
  EXPECT_THAT(isolation.err, HasSubstr("is not 'process' or 'none'"));
}

TEST_F(Supervision, SigtermToASpinningPluginEndsTheHandlerWithinGrace) {
  ProcessOptions options;
  options.terminateAfter = std::chrono::milliseconds(500);
  auto result = run(between("      - task: faulty/spin"), {}, options);
  EXPECT_EQ(result.exitCode, 5) << result.err;
  // 500 ms, then the default 5 s grace, plus a margin for a loaded machine.
  EXPECT_LT(elapsed_, std::chrono::seconds(9));
  EXPECT_GT(elapsed_, std::chrono::seconds(5));
  EXPECT_THAT(terminationLog(),
              HasSubstr("task 1 (faulty/spin) did not stop within 5s of SIGTERM (the handler was "
                        "asked to stop) and was killed"));
  EXPECT_EQ(step(), 1);
}

TEST_F(Supervision, ASecondSignalStopsAtOnce) {
  ProcessOptions options;
  options.terminateAfter = std::chrono::milliseconds(500);
  options.terminateAgainAfter = std::chrono::milliseconds(900);
  auto result = run(between("      - task: faulty/spin"), {}, options);
  EXPECT_EQ(result.exitCode, 5) << result.err;
  EXPECT_LT(elapsed_, std::chrono::seconds(4));
  EXPECT_THAT(terminationLog(), HasSubstr("task 1 (faulty/spin) was killed: a second stop "
                                          "signal stopped the handler at once"));
}

TEST_F(Supervision, SigtermStopsABashScriptsWholeProcessGroup) {
  // The script starts a background sleep that would outlive a SIGTERM to bash alone.
  std::string marker = dir_.file("still-running");
  ProcessOptions options;
  options.terminateAfter = std::chrono::milliseconds(700);
  auto result = run(experiment(R"(      - task: common/bash
        with:
          script: |
            (sleep 3; touch )" +
                               marker +
                               R"() &
            sleep 30)"),
                    {}, options);
  EXPECT_EQ(result.exitCode, 5) << result.err;
  EXPECT_LT(elapsed_, std::chrono::seconds(5));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_FALSE(std::filesystem::exists(marker)) << "the background job was left running";
}

// A closed terminal or a dropped ssh session sends SIGHUP: it stops the action as Ctrl-C does
// (exit 5, a line saying so, earlier status kept), not the default death with exit 129.
TEST_F(Supervision, SighupStopsTheActionAsSigintDoes) {
  for (int signal : {SIGINT, SIGHUP}) {
    ProcessOptions options;
    options.terminateAfter = std::chrono::milliseconds(700);
    options.terminateSignal = signal;
    auto result = run(between(R"(      - task: common/bash
        with: {script: sleep 30})"),
                      {}, options);
    EXPECT_EQ(result.exitCode, 5) << signal << ": " << result.err;
    EXPECT_THAT(result.err, HasSubstr("task 1 (common/bash): bash script was stopped: the "
                                      "handler is stopping"));
    EXPECT_EQ(step(), 1);
  }
}

TEST_F(Supervision, IsolationNoneRunsInTheHandlerForDebugging) {
  auto ok = run(between("      - task: testkit/status\n        with: {patch: {step: 2}}"),
                {"--isolation", "none"});
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_EQ(step(), 3);
  // Without a supervisor, exit(0) in a plugin ends the handler: that is what "none" means.
  ProcessOptions options;
  options.env["ITER8_ISOLATION"] = "none";
  auto exited = run(between("      - task: faulty/exit\n        with: {code: 0}"), {}, options);
  EXPECT_EQ(exited.exitCode, 0);
  EXPECT_EQ(step(), 1);
}

TEST_F(Supervision, WithoutIsolationASecondSignalStillEndsTheHandler) {
  ProcessOptions options;
  options.terminateAfter = std::chrono::milliseconds(500);
  options.terminateAgainAfter = std::chrono::milliseconds(900);
  auto result = run(between("      - task: faulty/spin"), {"--isolation", "none"}, options);
  EXPECT_EQ(result.exitCode, 5) << result.err;
  EXPECT_LT(elapsed_, std::chrono::seconds(4));
  EXPECT_THAT(result.err, HasSubstr("a second stop signal; stopping at once"));
}

TEST_F(Supervision, StatusWrittenByATaskProcessReachesOutputAndLaterTasks) {
  std::string output = dir_.file("out.yaml");
  auto result = run(experiment(R"(      - task: testkit/status
        with: {patch: {step: 1}}
      - task: testkit/status
        with: {patch: {other: 2}})"),
                    {"-o", output});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  rapidjson::Document doc = parseYaml(readFile(output));
  EXPECT_EQ(doc["status"]["step"].GetInt(), 1) << "the second task read what the first wrote";
  EXPECT_EQ(doc["status"]["other"].GetInt(), 2);
}

TEST_F(Supervision, WaitingForCommandsDoesNotSleep) {
  // Three `true` commands, each in its own supervised task. A sleep-and-poll wait costs at
  // least one interval per task (20 ms before); waiting on a pidfd costs none. Compared with
  // the same handler running no task, best of five runs each, so machine load cancels out.
  std::string text = experiment(R"(      - task: common/exec
        with: {cmd: "true"}
      - task: common/exec
        with: {cmd: "true"}
      - task: common/exec
        with: {cmd: "true"}
      none: [])");
  auto best = [&](const std::string& action) {
    Clock::duration fastest = Clock::duration::max();
    for (int i = 0; i < 5; ++i) {
      action_ = action;
      auto result = run(text);
      EXPECT_EQ(result.exitCode, 0) << result.err;
      fastest = std::min(fastest, elapsed_);
    }
    return fastest;
  };
  Clock::duration empty = best("none");
  Clock::duration three = best("start");
  EXPECT_LT(three - empty, std::chrono::milliseconds(45))
      << "three exec tasks cost "
      << std::chrono::duration_cast<std::chrono::milliseconds>(three - empty).count()
      << " ms more than none";
}

}  // namespace
}  // namespace iter8
