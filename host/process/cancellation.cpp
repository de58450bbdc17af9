#include "host/process/cancellation.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <mutex>

namespace iter8 {
namespace {

// Everything the signal handler touches is a lock-free atomic or a plain descriptor number.
std::atomic<bool> cancelled{false};
std::atomic<int> reasonOfCancel{0};  // a CancelReason; the first one stays
std::atomic<int> signalCount{0};
std::atomic<int> lastSignal{0};
std::atomic<int> secondSignalExit{1};  // set by installCancellationHandlers
std::atomic<bool> supervisorHandlesSecond{false};
std::atomic<pid_t> supervisedGroup{0};
// Level: written once per signal and never read, so it stays readable once cancelled and
// every waiter (any thread) wakes. Event: drained by the supervisor after each wake-up.
std::atomic<int> levelFd{-1};
std::atomic<int> eventFd{-1};
static_assert(std::atomic<bool>::is_always_lock_free, "flag is set from a signal handler");
static_assert(std::atomic<int>::is_always_lock_free, "counter is set from a signal handler");
static_assert(std::atomic<pid_t>::is_always_lock_free, "group is read in a signal handler");

void poke(int fd) {
  if (fd < 0) return;
  uint64_t one = 1;
  ssize_t ignored = ::write(fd, &one, sizeof one);
  (void)ignored;
}

void openDescriptors() {
  levelFd.store(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  eventFd.store(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
}

// Opens the descriptors once, whichever thread gets there first: two waiters opening their own
// would leave one polling a descriptor nobody writes to.
void ensureDescriptors() {
  if (levelFd.load() >= 0) return;  // set: no lock, so a forked child never waits on it
  static std::mutex opening;
  std::lock_guard<std::mutex> lock(opening);
  if (levelFd.load() < 0) openDescriptors();
}

// Keeps the first reason: a stop signal after a time limit does not rewrite why the task stopped.
void recordReason(CancelReason reason) {
  int none = static_cast<int>(CancelReason::kNone);
  reasonOfCancel.compare_exchange_strong(none, static_cast<int>(reason));
}

// The reason a stop signal carries: the supervisor's (sendStopRequest) when our parent queued it
// with one, else a stop signal from outside.
CancelReason reasonOf(const siginfo_t* info) {
  if (info != nullptr && info->si_code == SI_QUEUE && info->si_pid == ::getppid()) {
    const int value = info->si_value.sival_int;
    if (value == static_cast<int>(CancelReason::kTaskTimeout) ||
        value == static_cast<int>(CancelReason::kDeadline)) {
      return static_cast<CancelReason>(value);
    }
  }
  return CancelReason::kSignal;
}

extern "C" void onStopSignal(int signal, siginfo_t* info, void*) {
  int saved = errno;
  lastSignal.store(signal);
  int count = signalCount.fetch_add(1) + 1;
  recordReason(reasonOf(info));
  cancelled.store(true);
  poke(levelFd.load());
  poke(eventFd.load());
  if (count >= 2 && !supervisorHandlesSecond.load()) {
    if (pid_t group = supervisedGroup.load(); group > 0) ::kill(-group, SIGKILL);
    static const char kMessage[] = "handler: a second stop signal; stopping at once\n";
    ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    (void)ignored;
    ::_exit(secondSignalExit.load());
  }
  errno = saved;
}

}  // namespace

void installCancellationHandlers(int secondSignalExitCode) {
  secondSignalExit.store(secondSignalExitCode);
  ensureDescriptors();
  struct sigaction action {};
  action.sa_sigaction = onStopSignal;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // A closed terminal or a dropped ssh session: stop as for Ctrl-C, keeping partial results,
  // rather than die by the default action (exit 129, no line, results lost). Under nohup
  // (SIGHUP ignored when we start) it stays ignored, as the person asked.
  struct sigaction hangup {};
  if (sigaction(SIGHUP, nullptr, &hangup) == 0 && hangup.sa_handler != SIG_IGN) {
    sigaction(SIGHUP, &action, nullptr);
  }
}

bool cancellationRequested() {
  return cancelled.load();
}

CancelReason cancellationReason() {
  return static_cast<CancelReason>(reasonOfCancel.load());
}

void requestCancellation(CancelReason reason) {
  recordReason(reason == CancelReason::kNone ? CancelReason::kSignal : reason);
  cancelled.store(true);
  ensureDescriptors();
  poke(levelFd.load());
  poke(eventFd.load());
}

bool waitForCancellation(std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  if (cancelled.load()) return true;
  ensureDescriptors();
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (cancelled.load()) return true;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{levelFd.load(), POLLIN, 0};
    int ready = ::poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX)));
    if (ready > 0) return cancelled.load();
    if (ready < 0 && errno != EINTR) return cancelled.load();
  }
}

bool sendStopRequest(pid_t pid, CancelReason reason) {
  sigval value{};
  value.sival_int = static_cast<int>(reason);
  return ::sigqueue(pid, SIGTERM, value) == 0;
}

int stopSignalCount() {
  return signalCount.load();
}

int lastStopSignal() {
  return lastSignal.load();
}

int stopSignalEventFd() {
  return eventFd.load();
}

void drainStopSignalEvents() {
  uint64_t value = 0;
  while (::read(eventFd.load(), &value, sizeof value) > 0) {
  }
}

void setSecondSignalHandledBySupervisor(bool handled) {
  supervisorHandlesSecond.store(handled);
}

void setSupervisedProcessGroup(pid_t group) {
  supervisedGroup.store(group);
}

void resetCancellationAfterFork() {
  for (auto* fd : {&levelFd, &eventFd}) {
    if (int old = fd->exchange(-1); old >= 0) ::close(old);
  }
  openDescriptors();
  cancelled.store(false);
  reasonOfCancel.store(static_cast<int>(CancelReason::kNone));
  signalCount.store(0);
  lastSignal.store(0);
  supervisorHandlesSecond.store(false);
  supervisedGroup.store(0);
}

}  // namespace iter8
