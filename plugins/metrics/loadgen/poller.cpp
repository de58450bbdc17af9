#include "plugins/metrics/loadgen/poller.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace iter8::metrics {
namespace {

constexpr uint64_t kTimerToken = ~uint64_t{0};

}  // namespace

Poller::Poller(size_t maxEvents)
    : epoll_(epoll_create1(EPOLL_CLOEXEC)), events_(std::max<size_t>(maxEvents, 1) + 1) {
  if (epoll_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  // Edge-triggered: each expiry wakes epoll_wait once, and re-arming resets the timerfd, so it
  // never needs the read() that level-triggered waiting would take per send.
  if (!add(timer_.fd(), EPOLLIN | EPOLLET, kTimerToken)) {
    int error = errno;
    close(epoll_);
    throw std::system_error(error, std::generic_category(), "epoll_ctl");
  }
}

Poller::~Poller() {
  close(epoll_);
}

bool Poller::add(int fd, uint32_t events, uint64_t token) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = token;
  return epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) == 0;
}

bool Poller::modify(int fd, uint32_t events, uint64_t token) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = token;
  return epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &event) == 0;
}

void Poller::remove(int fd) {
  epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
}

int Poller::wait(Clock::time_point now, Clock::time_point wake) {
  // A sleep of kMaxSleep needs no precision: leaving the timer alone saves a syscall per wait
  // at max rate, where nothing is scheduled.
  if (wake > now && wake < now + kMaxSleep) timer_.armAt(wake);
  // The millisecond timeout is only a backstop: the timer wakes us at `wake` itself.
  auto waitMs = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
  int timeoutMs = static_cast<int>(std::clamp<long long>(waitMs, 0, kMaxSleep.count()));
  int ready = epoll_wait(epoll_, events_.data(), static_cast<int>(events_.size()), timeoutMs);
  if (ready <= 0) return 0;  // a timeout, or EINTR: the caller's loop comes back
  // Drop the timer's wake-up: it only had to end the wait.
  int kept = 0;
  for (int i = 0; i < ready; ++i) {
    if (events_[static_cast<size_t>(i)].data.u64 != kTimerToken)
      events_[static_cast<size_t>(kept++)] = events_[static_cast<size_t>(i)];
  }
  return kept;
}

}  // namespace iter8::metrics
