#include "plugins/metrics/loadgen/wake_timer.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace iter8::metrics {

WakeTimer::WakeTimer() : fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
}

WakeTimer::~WakeTimer() {
  close(fd_);
}

void WakeTimer::armAt(Clock::time_point when) {
  if (when == armedAt_) return;
  auto sinceBoot = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
  // it_value zero would disarm the timer: a time in the past must fire at once instead.
  if (sinceBoot.count() <= 0) sinceBoot = std::chrono::nanoseconds(1);
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(sinceBoot.count() / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(sinceBoot.count() % 1'000'000'000);
  if (timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr) == 0) armedAt_ = when;
}

}  // namespace iter8::metrics
