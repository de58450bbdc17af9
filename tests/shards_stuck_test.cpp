// Shards that stop making progress and coordinators that die (docs/scale.md#when-a-shard-hangs,
// #leftovers): a shard process frozen with SIGSTOP mid-run, a coordinator killed with SIGKILL.
// Real handler and shard processes against a loopback server; the test finds the shards among
// the processes by their command line (`collect-shard` and the test's own folder).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/shards_fixture.h"

namespace iter8 {
namespace {

using shards_test::count;
using shards_test::shardProcesses;
using shards_test::Shards;
using test::ProcessOptions;
using test::ProcessResult;
using test::readFile;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// Runs `run` while another thread freezes (SIGSTOP) the shard whose command line holds
// `--index <index> `, `after` from the start: alive, but making no progress.
ProcessResult runFreezingShard(const std::function<ProcessResult()>& run, const std::string& folder,
                               int index, std::chrono::milliseconds after, bool& frozen) {
  std::atomic<bool> done{false};
  std::thread freezer([&] {
    std::this_thread::sleep_for(after);
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (!frozen && !done && Clock::now() < until) {
      for (const auto& [pid, cmdline] : shardProcesses(folder)) {
        if (cmdline.find("--index " + std::to_string(index) + " ") != std::string::npos) {
          frozen = ::kill(pid, SIGSTOP) == 0;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  ProcessResult r = run();
  done = true;
  freezer.join();
  return r;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// 200 qps for 2 s with a 1 s request timeout: every shard should be done 3 s after the common
// start (1.5 s after launch). Shard 2 is frozen 1 s into the load; 20 s of grace later it is
// stopped, counted missing with its whole share unsent, and the other three are merged.
TEST_F(Shards, AFrozenShardIsStoppedAfterTheScheduleAndItsGraceAndCountedMissing) {
  bool frozen = false;
  const auto start = Clock::now();
  ProcessResult r = runFreezingShard([&] { return run(loadWith(4, "          timeout: 1s\n")); },
                                     dir_.path(), 2, std::chrono::milliseconds(2500), frozen);
  const double took = secondsSince(start);
  ASSERT_TRUE(frozen) << "no shard process to freeze";
  EXPECT_EQ(r.exitCode, 1) << r.err;
  // 1.5 s lead + 3 s schedule + 20 s grace, then at most 5 s to stop; a busy machine adds some.
  EXPECT_GE(took, 24.5);
  EXPECT_LT(took, 24.5 + 5 + 10) << r.err;
  const std::string log = readFile(dir_.file("termination-log"));
  EXPECT_THAT(log, HasSubstr("action loop, task 0 (metrics/collect): 1 of 4 shards did not "
                             "report (shard 2 did not finish within the schedule's 3.0 s (with "
                             "the requests' timeout) + 1.5 s of lead + 20.0 s of grace and was"));
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  rapidjson::Document doc = status();
  for (const char* version : {"v1", "v2"}) {
    SCOPED_TRACE(version);
    const rapidjson::Value& v = result(doc, version);
    EXPECT_EQ(count(v), 300);  // shard 2's 100 (requests 2, 6, 10, ...) are not merged
    EXPECT_EQ(v["Unsent"].GetUint64(), 100u);
    EXPECT_EQ(toJson(v["ShardsMissing"]), "[2]");
  }
  EXPECT_TRUE(shardProcesses(dir_.path()).empty()) << "a collect-shard process was left";
  EXPECT_EQ(leftovers(), 0);
}

// A max-rate count run has no expected length, so the coordinator sets no limit of its own:
// the task's deadline (--task-timeout) is what bounds a frozen shard there.
TEST_F(Shards, AFrozenShardOfAMaxRateRunIsBoundedByTheTaskTimeout) {
  bool frozen = false;
  const auto start = Clock::now();
  ProcessResult r = runFreezingShard(
      [&] {
        return run(
            "          numQueries: 400\n          qps: 0\n          connections: 4\n"
            "          shards: 2\n          versions:\n          - {name: v1, url: \"" +
                server_.url("/fast") + "\"}",
            {}, {"--task-timeout", "6s"});
      },
      dir_.path(), 1, std::chrono::milliseconds(0), frozen);
  const double took = secondsSince(start);
  ASSERT_TRUE(frozen) << "no shard process to freeze";
  EXPECT_NE(r.exitCode, 0) << r.err;
  EXPECT_GE(took, 6.0);
  EXPECT_LT(took, 6.0 + 5 + 10) << r.err;
  const std::string log = readFile(dir_.file("termination-log"));
  EXPECT_THAT(log, HasSubstr("did not finish within 6s (--task-timeout)"));
  // The shard that was not frozen is merged: the collect's result is stored.
  const rapidjson::Value& v = result(status(), "v1");
  EXPECT_EQ(v["Shards"].GetInt(), 2);
  EXPECT_GE(count(v), 200);
  EXPECT_TRUE(shardProcesses(dir_.path()).empty()) << "a collect-shard process was left";
  EXPECT_EQ(leftovers(), 0);
}

}  // namespace
}  // namespace iter8
