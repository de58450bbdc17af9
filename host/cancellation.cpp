#include "host/cancellation.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>

namespace iter8 {
namespace {

std::atomic<bool> cancelled{false};
static_assert(std::atomic<bool>::is_always_lock_free, "flag is set from a signal handler");

// A pipe that becomes readable once cancellation is requested and stays so (it is never
// drained), so any number of threads can sleep in poll() on it: the signal handler can write
// to a pipe, which is async-signal-safe, but cannot notify a condition variable.
std::atomic<int> wakeReadEnd{-1};
std::atomic<int> wakeWriteEnd{-1};
static_assert(std::atomic<int>::is_always_lock_free, "read from a signal handler");

void ensureWakePipe() {
  static std::once_flag once;
  std::call_once(once, [] {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;  // waits then fall back to timeouts
    wakeReadEnd.store(fds[0]);
    wakeWriteEnd.store(fds[1]);
  });
}

void markCancelled() {
  cancelled.store(true);
  const int fd = wakeWriteEnd.load();
  if (fd >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t written = write(fd, &byte, 1);
  }
}

extern "C" void onStopSignal(int) {
  const int savedErrno = errno;
  markCancelled();
  errno = savedErrno;
}

}  // namespace

void installCancellationHandlers() {
  ensureWakePipe();
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

bool cancellationRequested() {
  return cancelled.load();
}

void requestCancellation() {
  ensureWakePipe();
  markCancelled();
}

bool waitForCancellation(std::chrono::milliseconds timeout) {
  ensureWakePipe();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cancelled.load()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    struct pollfd wake {};
    wake.fd = wakeReadEnd.load();
    wake.events = POLLIN;
    // fd -1 is ignored by poll(), which then just sleeps: still correct, only not woken early.
    const int ready = poll(&wake, 1, static_cast<int>(std::min<long long>(left.count(), 60000)));
    if (ready < 0 && errno != EINTR) break;
  }
  return cancelled.load();
}

}  // namespace iter8
