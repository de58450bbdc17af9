// A one-shot timer with microsecond precision to wait on together with curl's sockets: a Linux
// timerfd in the load generator's epoll set. epoll_wait's own timeout is in whole milliseconds,
// which is ten send intervals at 10000 qps.
#pragma once

#include <chrono>

namespace iter8::metrics {

class WakeTimer {
 public:
  using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux, as the timerfd

  WakeTimer();  // throws std::system_error when no timerfd can be created
  ~WakeTimer();
  WakeTimer(const WakeTimer&) = delete;
  WakeTimer& operator=(const WakeTimer&) = delete;

  // Makes fd() readable at `when` (at once if it is past); until then it is not readable, as
  // arming resets the expiry count. Re-arming to the same time is free.
  void armAt(Clock::time_point when);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  Clock::time_point armedAt_{};  // epoch = not armed
};

}  // namespace iter8::metrics
