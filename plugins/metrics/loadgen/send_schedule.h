// When metrics/collect sends its next request: the open-loop schedule of one version, apart
// from any I/O so its rules can be tested with made-up times instead of the wall clock.
//
// Paced runs (qps > 0) send request k at start + k/qps. A send that is late (every connection
// busy, or the host slow to wake us) still goes out, but catch-up is limited with GCRA to
// twice the rate plus a small burst, so a run that fell behind recovers without a spike. In
// duration mode, requests due before the end that could not go out are still sent until
// kSendGrace after the end; after that they are counted as unsent. Max-rate runs (qps == 0)
// send whenever a connection is free, until numQueries or the duration is reached.
//
// A slice (shard `index` of `count`, docs/scale.md) keeps every count-th request of that one
// schedule, starting at request `index`: the shard sends 1/count of the rate, phase-shifted by
// index/count of its period, and the union of the count slices is exactly the one-generator
// schedule, due time for due time.
#pragma once

#include <chrono>
#include <cstdint>

namespace iter8::metrics {

// Shard `index` of `count` (0 <= index < count); {0, 1} is the whole schedule.
struct ScheduleSlice {
  uint64_t index = 0;
  uint64_t count = 1;
};

// How many of `total` items slice `slice` holds: those k < total with k % count == index.
uint64_t sliceShare(uint64_t total, ScheduleSlice slice);

class SendSchedule {
 public:
  using Clock = std::chrono::steady_clock;
  using nanoseconds = std::chrono::nanoseconds;

  // Catch-up after falling behind runs at twice the rate, plus bursts of this much.
  static constexpr nanoseconds kCatchUpBurst = std::chrono::milliseconds(2);
  // How long after the end of a duration-mode run late sends still go out.
  static constexpr nanoseconds kSendGrace = std::chrono::seconds(1);

  // qps 0 means as fast as connections allow. numQueries 0 means "for `duration`". `qps` and
  // `numQueries` are the whole schedule's; the slice sends its share of them.
  SendSchedule(double qps, uint64_t numQueries, nanoseconds duration, ScheduleSlice slice = {});

  void start(Clock::time_point start);

  enum class Decision { kSend, kNotYet, kDone };
  struct Next {
    Decision decision = Decision::kNotYet;
    Clock::time_point due{};  // kSend: when the request was due (now for max-rate runs)
    nanoseconds lag{0};       // kSend: how late it goes out
  };
  // Whether a request may go out at `now` (the caller has a free connection). kSend counts it
  // as sent; kDone is final.
  Next next(Clock::time_point now);

  // The earliest time next() may answer kSend, for the caller's sleep (time_point::max() when
  // only a free connection matters). Meaningless once done.
  Clock::time_point wakeTime() const;

  uint64_t sent() const { return sent_; }
  bool done() const { return done_; }
  // Paced duration runs: requests that were due but never went out.
  uint64_t unsent() const { return unsent_; }
  // Requests a paced run (its slice) plans to send (0 for max-rate runs).
  uint64_t planned() const { return planned_; }

 private:
  Clock::time_point dueTime(uint64_t index) const;
  nanoseconds halfPeriod() const;

  double qps_;
  uint64_t numQueries_;
  nanoseconds duration_;
  ScheduleSlice slice_;
  std::chrono::duration<double> period_{0};  // of the whole schedule: 1 / qps
  uint64_t planned_ = 0;
  Clock::time_point start_{};
  Clock::time_point catchUpTat_{};  // GCRA's theoretical arrival time
  nanoseconds catchUpBurst_{0};     // GCRA's tolerance: how far sends may run ahead of 2 x qps
  uint64_t sent_ = 0;
  uint64_t unsent_ = 0;
  bool done_ = false;
};

// How many requests a duration-mode schedule holds: every k with k/qps < duration.
uint64_t scheduledCount(double qps, std::chrono::nanoseconds duration);

}  // namespace iter8::metrics
