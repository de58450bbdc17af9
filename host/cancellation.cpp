#include "host/cancellation.h"

#include <atomic>
#include <csignal>

namespace iter8 {
namespace {

std::atomic<bool> cancelled{false};
static_assert(std::atomic<bool>::is_always_lock_free, "flag is set from a signal handler");

extern "C" void onStopSignal(int) {
  cancelled.store(true);
}

}  // namespace

void installCancellationHandlers() {
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
  cancelled.store(true);
}

}  // namespace iter8
