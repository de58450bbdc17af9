#include "plugins/metrics/loadgen/send_schedule.h"

#include <algorithm>
#include <cmath>

namespace iter8::metrics {

using std::chrono::nanoseconds;

uint64_t scheduledCount(double qps, nanoseconds duration) {
  double exact = qps * std::chrono::duration<double>(duration).count();
  double nearest = std::round(exact);
  // 200 qps for 2 s is exactly 400, even when the product lands at 400.0000001.
  if (std::fabs(exact - nearest) < 1e-6) return static_cast<uint64_t>(nearest);
  return static_cast<uint64_t>(std::ceil(exact));
}

uint64_t sliceShare(uint64_t total, ScheduleSlice slice) {
  if (slice.count == 0 || total <= slice.index) return 0;
  return (total - slice.index + slice.count - 1) / slice.count;
}

SendSchedule::SendSchedule(double qps, uint64_t numQueries, nanoseconds duration,
                           ScheduleSlice slice)
    : qps_(qps), numQueries_(numQueries), duration_(duration), slice_(slice) {
  if (slice_.count == 0) slice_ = ScheduleSlice{};
  if (qps_ > 0) {
    period_ = std::chrono::duration<double>(1.0 / qps_);
    // Sends that are due together go out together: at least two, and up to kCatchUpBurst of
    // catch-up, so a late wake-up (the scheduler of a busy host easily takes a millisecond)
    // costs one wake-up rather than one per overdue request.
    catchUpBurst_ = std::max(halfPeriod(), kCatchUpBurst);
    planned_ = sliceShare(numQueries_ > 0 ? numQueries_ : scheduledCount(qps_, duration_), slice_);
  } else if (numQueries_ > 0) {
    numQueries_ = sliceShare(numQueries_, slice_);  // max rate: each slice its share of the count
    done_ = numQueries_ == 0;                       // no share: 0 would mean "for `duration`"
  }
}

void SendSchedule::start(Clock::time_point start) {
  start_ = start;
  catchUpTat_ = start;
}

// The slice's request `index` is the whole schedule's request slice.index + index * count, due
// at the very time the one generator would send it (the same expression, bit for bit).
SendSchedule::Clock::time_point SendSchedule::dueTime(uint64_t index) const {
  const uint64_t whole = slice_.index + index * slice_.count;
  return start_ + std::chrono::duration_cast<nanoseconds>(period_ * static_cast<double>(whole));
}

// Half the slice's own period: catch-up runs at twice the slice's rate.
nanoseconds SendSchedule::halfPeriod() const {
  return std::chrono::duration_cast<nanoseconds>(period_ * static_cast<double>(slice_.count) / 2);
}

SendSchedule::Next SendSchedule::next(Clock::time_point now) {
  Next next;
  if (done_) {
    next.decision = Decision::kDone;
    return next;
  }
  if (qps_ <= 0) {
    const bool enough = numQueries_ > 0 ? sent_ >= numQueries_ : now >= start_ + duration_;
    if (enough) {
      done_ = true;
      next.decision = Decision::kDone;
      return next;
    }
    next.decision = Decision::kSend;
    next.due = now;
    ++sent_;
    return next;
  }
  if (sent_ >= planned_) {
    done_ = true;
    next.decision = Decision::kDone;
    return next;
  }
  const Clock::time_point due = dueTime(sent_);
  if (due > now) return next;  // kNotYet
  if (numQueries_ == 0 && now >= start_ + duration_ + kSendGrace) {
    unsent_ = planned_ - sent_;
    done_ = true;
    next.decision = Decision::kDone;
    return next;
  }
  // Catch-up limit (GCRA): on average at most one send per period/2, with bursts of
  // catchUpBurst_, so a run that fell behind recovers at twice the rate, not all at once.
  if (now < catchUpTat_ - catchUpBurst_) return next;  // kNotYet
  catchUpTat_ = std::max(catchUpTat_, now) + halfPeriod();
  next.decision = Decision::kSend;
  next.due = due;
  next.lag = std::chrono::duration_cast<nanoseconds>(now - due);
  ++sent_;
  return next;
}

SendSchedule::Clock::time_point SendSchedule::wakeTime() const {
  if (qps_ > 0) return std::max(dueTime(sent_), catchUpTat_ - catchUpBurst_);
  if (numQueries_ == 0) return start_ + duration_;
  return Clock::time_point::max();  // max-rate count mode: only a free connection matters
}

}  // namespace iter8::metrics
