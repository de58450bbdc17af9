// Shards that stop making progress and coordinators that die (docs/scale.md#when-a-shard-hangs,
// #leftovers): a shard process frozen with SIGSTOP mid-run, a coordinator killed with SIGKILL.
// Real handler and shard processes against a loopback server; the test finds the shards among
// the processes by their command line (`collect-shard` and the test's own folder).
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
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

// The parent of a process, from /proc/<pid>/stat; 0 when it is gone.
pid_t parentOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 1));
  char state = 0;
  long ppid = 0;
  return fields >> state >> ppid ? static_cast<pid_t>(ppid) : 0;
}

// Waits up to `within` for the shard processes of `folder` to be gone; true when they are.
bool shardsGone(const std::string& folder, std::chrono::milliseconds within) {
  const auto until = Clock::now() + within;
  while (!shardProcesses(folder).empty()) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

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

// Holds the lock of a folder as its live owner does (lib/locked_folder.h).
class LiveFolder {
 public:
  explicit LiveFolder(const std::string& path) {
    std::filesystem::create_directory(path);
    fd_ = ::open((path + "/.owner.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    locked_ = fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~LiveFolder() {
    if (fd_ >= 0) ::close(fd_);
  }
  LiveFolder(const LiveFolder&) = delete;
  LiveFolder& operator=(const LiveFolder&) = delete;
  bool locked() const { return locked_; }

 private:
  int fd_ = -1;
  bool locked_ = false;
};

// A coordinator killed with SIGKILL can neither stop its shards nor remove its folder: the
// shards die with it (no load is sent after it), and the next run removes the folder, but not
// the folder of an owner still running nor one without a lock file.
TEST_F(Shards, ASigkilledCoordinatorTakesItsShardsAndTheNextRunRemovesItsFolder) {
  struct Case {
    std::string isolation;
    bool scratchDirSet;
  };
  // none, SCRATCH_DIR set (as the image sets it): the handler is the coordinator and the shards'
  // folder is in SCRATCH_DIR; the next sharded collect removes it. process, no SCRATCH_DIR: the
  // coordinator is the handler's task process, which dies with the killed handler, and the
  // shards' folder is in the handler's own scratch folder, which the next handler run removes.
  for (const Case& c : {Case{"none", true}, Case{"process", false}}) {
    SCOPED_TRACE("--isolation " + c.isolation + (c.scratchDirSet ? ", SCRATCH_DIR set" : ""));
    ProcessOptions options;
    const std::string scratch = dir_.file("scratch");
    if (c.scratchDirSet) options.env["SCRATCH_DIR"] = scratch;
    const std::string base = c.scratchDirSet ? scratch : dir_.path();
    const std::string prefix = c.scratchDirSet ? "iter8-shards-" : "iter8-scratch-";
    std::atomic<bool> killed{false};
    uint64_t requestsAtKill = 0;
    std::thread killer([&] {
      const auto until = Clock::now() + std::chrono::seconds(15);
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // 1 s into the load
      while (!killed && Clock::now() < until) {
        for (const auto& [pid, cmdline] : shardProcesses(dir_.path())) {
          const pid_t coordinator = parentOf(pid);
          const pid_t handler = c.isolation == "none" ? coordinator : parentOf(coordinator);
          if (coordinator <= 1 || handler <= 1) continue;
          requestsAtKill = server_.requestCount();
          killed = ::kill(handler, SIGKILL) == 0;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    ProcessResult r =
        run("          time: 6s\n          qps: 100\n          connections: 4\n"
            "          shards: 2\n          versions:\n          - {name: v1, url: \"" +
                server_.url("/fast") + "\"}",
            options, {"--isolation", c.isolation});
    killer.join();
    ASSERT_TRUE(killed) << "no coordinator to kill";
    EXPECT_EQ(r.exitCode, -1) << r.err;
    EXPECT_TRUE(shardsGone(dir_.path(), std::chrono::seconds(3)))
        << "a shard outlived its coordinator";
    // None sends load after the kill (a request or two in flight at the kill may still land).
    const uint64_t afterKill = server_.requestCount();
    EXPECT_LT(afterKill - requestsAtKill, 10u);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_EQ(server_.requestCount(), afterKill) << "load is still being sent";
    // The killed run's folder, directly under `base`.
    std::string left;
    for (const auto& entry : std::filesystem::directory_iterator(base)) {
      if (entry.path().filename().string().rfind(prefix, 0) == 0) left = entry.path().string();
    }
    ASSERT_FALSE(left.empty()) << "the killed coordinator left no folder in " << base;
    EXPECT_EQ(leftovers(), c.scratchDirSet ? 1 : 2);  // iter8-scratch-*/iter8-shards-*

    LiveFolder live(base + "/" + prefix + "live");
    ASSERT_TRUE(live.locked());
    std::filesystem::create_directory(base + "/" + prefix + "nolock");
    ProcessResult next =
        run("          numQueries: 8\n          qps: 50\n          shards: 2\n"
            "          versions:\n          - {name: v1, url: \"" +
                server_.url("/fast") + "\"}",
            options);
    ASSERT_EQ(next.exitCode, 0) << next.err;
    EXPECT_THAT(
        next.err,
        HasSubstr(c.scratchDirSet
                      ? "shards: removed " + left + ", left by a coordinator that was killed"
                      : "removed " + left + ", the SCRATCH_DIR of a handler that was killed"));
    EXPECT_EQ(count(result(status(), "v1")), 8);
    EXPECT_FALSE(std::filesystem::exists(left));
    EXPECT_EQ(leftFolders(), (std::vector<std::string>{base + "/" + prefix + "live",
                                                       base + "/" + prefix + "nolock"}))
        << "a live owner's folder, or one without a lock file, was removed";
    std::filesystem::remove_all(base + "/" + prefix + "live");
    std::filesystem::remove_all(base + "/" + prefix + "nolock");
  }
}

}  // namespace
}  // namespace iter8
