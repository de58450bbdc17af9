// The event loop's waiting part, shared by both engines: an epoll set of sockets and a timerfd
// that wakes it at the next send with microsecond precision (epoll_wait's own timeout is in
// whole milliseconds, ten send intervals at 10000 qps).
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "plugins/metrics/loadgen/wake_timer.h"

namespace iter8::metrics {

class Poller {
 public:
  using Clock = std::chrono::steady_clock;
  // Never sleeps longer than this, so the caller polls cancellation at least that often.
  static constexpr std::chrono::milliseconds kMaxSleep{100};

  // `maxEvents`: how many ready sockets one wait() returns at most. Throws std::system_error.
  explicit Poller(size_t maxEvents);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // epoll_ctl ADD / MOD / DEL; `token` comes back in epoll_event.data.u64. add and modify
  // return false (errno set) when the kernel refuses; remove ignores a socket not in the set.
  bool add(int fd, uint32_t events, uint64_t token);
  bool modify(int fd, uint32_t events, uint64_t token);
  void remove(int fd);

  // Sleeps until a socket is ready, `wake`, or kMaxSleep from `now`, whichever comes first, and
  // returns how many sockets are ready; event(i) for i below that says which. 0 on a timeout.
  int wait(Clock::time_point now, Clock::time_point wake);
  const epoll_event& event(int i) const { return events_[static_cast<size_t>(i)]; }

 private:
  int epoll_ = -1;
  WakeTimer timer_;
  std::vector<epoll_event> events_;
};

}  // namespace iter8::metrics
