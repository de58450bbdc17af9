// The supervisor and the cancellation signal, in-process: real forks, real signals.
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/process/cancellation.h"
#include "host/process/supervisor.h"
#include "host/runner/exit_code.h"

extern char** environ;

namespace iter8 {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using End = ChildOutcome::End;
using namespace std::chrono_literals;

TEST(WaitForCancellation, TimesOutWhenNobodyAsks) {
  installCancellationHandlers(kExitCancelled);
  auto start = Clock::now();
  EXPECT_FALSE(waitForCancellation(100ms));
  EXPECT_GE(Clock::now() - start, 100ms);
}

TEST(WaitForCancellation, WakesAtOnceOnSigterm) {
  installCancellationHandlers(kExitCancelled);
  std::thread sender([] {
    std::this_thread::sleep_for(50ms);
    ::kill(::getpid(), SIGTERM);
  });
  auto start = Clock::now();
  EXPECT_TRUE(waitForCancellation(10s));
  EXPECT_LT(Clock::now() - start, 2s);
  sender.join();
  EXPECT_TRUE(cancellationRequested());
  EXPECT_EQ(lastStopSignal(), SIGTERM);
  // Stays true for every later waiter, in any thread.
  bool other = false;
  std::thread([&] { other = waitForCancellation(10s); }).join();
  EXPECT_TRUE(other);
  // The flag is process-wide: clear it (as a forked child does) so the supervisor tests after
  // this one in the same binary do not start "cancelled".
  resetCancellationAfterFork();
}

SuperviseOptions quick() {
  SuperviseOptions options;
  options.grace = 300ms;
  return options;
}

TEST(Supervisor, ReturnsWhatTheWorkReported) {
  ChildOutcome outcome = runSupervised([] { return ChildReport{3, "three"}; }, quick());
  ASSERT_EQ(outcome.end, End::kReturned);
  EXPECT_EQ(outcome.report.status, 3);
  EXPECT_EQ(outcome.report.message, "three");
  EXPECT_EQ(outcome.reason(quick()), "");
}

// The child's warnings come back with its report (the closing summary counts them), in order,
// an empty one and one with a NUL byte included.
TEST(Supervisor, TheWorksWarningsComeBackWithItsReport) {
  const std::vector<std::string> warnings{"first", "", std::string("nul\0inside", 10),
                                          std::string(70000, 'w')};
  ChildOutcome outcome = runSupervised(
      [&] {
        ChildReport report{0, "done"};
        report.warnings = warnings;
        return report;
      },
      quick());
  ASSERT_EQ(outcome.end, End::kReturned);
  EXPECT_EQ(outcome.report.message, "done");
  EXPECT_EQ(outcome.report.warnings, warnings);
}

TEST(Supervisor, ALargeReportArrivesWhole) {
  std::string big(300000, 'x');
  ChildOutcome outcome = runSupervised([&] { return ChildReport{0, big}; }, quick());
  ASSERT_EQ(outcome.end, End::kReturned);
  EXPECT_EQ(outcome.report.message.size(), big.size());
}

TEST(Supervisor, NamesTheSignalOfACrash) {
  ChildOutcome outcome = runSupervised(
      []() -> ChildReport {
        ::raise(SIGBUS);
        return {};
      },
      quick());
  EXPECT_EQ(outcome.end, End::kSignalled);
  EXPECT_EQ(outcome.reason(quick()), "crashed: SIGBUS");
}

TEST(Supervisor, AnExitIsNotAReturn) {
  ChildOutcome outcome = runSupervised([]() -> ChildReport { ::_exit(4); }, quick());
  EXPECT_EQ(outcome.end, End::kExited);
  EXPECT_EQ(outcome.reason(quick()), "exited without returning (exit status 4)");
}

TEST(Supervisor, TheChildSeesCancellationWhenTheTimeLimitPasses) {
  SuperviseOptions options = quick();
  options.timeout = 100ms;
  options.timeoutText = "100ms";
  installCancellationHandlers(kExitCancelled);  // as main() does: the child inherits them
  ChildOutcome outcome = runSupervised(
      [] {
        bool seen = waitForCancellation(10s);
        return ChildReport{seen ? 1 : 0, seen ? "cancelled" : "not cancelled"};
      },
      options);
  EXPECT_EQ(outcome.end, End::kTimedOut);
  EXPECT_FALSE(outcome.killed);
  EXPECT_EQ(outcome.report.message, "cancelled");
  // The task's own words stay beside the host's reason.
  EXPECT_EQ(outcome.reason(options),
            "did not finish within 100ms; it was stopped; the task said: cancelled");
}

// What the child's cancellation says it was for: the supervisor's SIGTERM carries the reason.
std::string reasonSeenByTheChild() {
  if (!waitForCancellation(10s)) return "not cancelled";
  switch (cancellationReason()) {
    case CancelReason::kTaskTimeout:
      return "task timeout";
    case CancelReason::kSignal:
      return "signal";
    default:
      return "other";
  }
}

TEST(Supervisor, TheChildTellsATimeLimitFromAStopSignal) {
  installCancellationHandlers(kExitCancelled);
  SuperviseOptions options = quick();
  options.timeout = 100ms;
  options.timeoutText = "100ms";
  ChildOutcome timedOut = runSupervised(
      [] {
        return ChildReport{3, reasonSeenByTheChild()};
      },
      options);
  EXPECT_EQ(timedOut.end, End::kTimedOut);
  EXPECT_EQ(timedOut.reason(options),
            "did not finish within 100ms; it was stopped; the task said: task timeout");

  // A stop signal to this process (the handler) is forwarded with its own reason.
  options.timeout.reset();
  std::thread sender([] {
    std::this_thread::sleep_for(100ms);
    ::kill(::getpid(), SIGTERM);
  });
  ChildOutcome stopped = runSupervised(
      [] {
        return ChildReport{3, reasonSeenByTheChild()};
      },
      options);
  sender.join();
  EXPECT_EQ(stopped.end, End::kReturned);
  EXPECT_TRUE(stopped.stopRequested);
  EXPECT_EQ(stopped.report.message, "signal");
  EXPECT_EQ(cancellationReason(), CancelReason::kSignal);
  resetCancellationAfterFork();  // the flag is process-wide; see WakesAtOnceOnSigterm
}

TEST(Supervisor, KillsWhatIgnoresSigtermAfterTheGrace) {
  SuperviseOptions options = quick();
  options.timeout = 100ms;
  options.timeoutText = "100ms";
  auto start = Clock::now();
  ChildOutcome outcome = runSupervised(
      []() -> ChildReport {
        ::signal(SIGTERM, SIG_IGN);
        for (;;) ::pause();
      },
      options);
  EXPECT_EQ(outcome.end, End::kTimedOut);
  EXPECT_TRUE(outcome.killed);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_THAT(outcome.reason(options), HasSubstr("did not stop within 300ms of SIGTERM"));
}

TEST(Supervisor, KillsProcessesACrashedChildLeftBehind) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ChildOutcome outcome = runSupervised(
      [&]() -> ChildReport {
        // A grandchild in its own process group, as common/exec starts commands.
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        posix_spawnattr_setpgroup(&attributes, 0);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
        pid_t pid = 0;
        const char* argv[] = {"sleep", "30", nullptr};
        posix_spawnp(&pid, "sleep", nullptr, &attributes, const_cast<char**>(argv), environ);
        ssize_t written = ::write(fds[1], &pid, sizeof pid);
        (void)written;
        ::raise(SIGSEGV);
        return {};
      },
      quick());
  ::close(fds[1]);
  pid_t orphan = 0;
  ASSERT_EQ(::read(fds[0], &orphan, sizeof orphan), static_cast<ssize_t>(sizeof orphan));
  ::close(fds[0]);
  EXPECT_EQ(outcome.end, End::kSignalled);
  ASSERT_GT(orphan, 0);
  EXPECT_NE(::kill(orphan, 0), 0) << "the orphaned sleep is still running";
}

}  // namespace
}  // namespace iter8
