// The send schedule of metrics/collect with made-up times: pacing, catch-up after falling
// behind, the end of duration and count runs, and max-rate runs. No clock, no sockets, so each
// rule is checked exactly rather than as a rate measured under whatever load the machine has.
#include <algorithm>
#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "plugins/metrics/loadgen/send_schedule.h"

namespace iter8::metrics {
namespace {

using namespace std::chrono_literals;
using Clock = SendSchedule::Clock;
using Decision = SendSchedule::Decision;

const Clock::time_point t0{std::chrono::seconds(1000)};

// Asks the schedule at `now` until it stops saying kSend; returns the due times sent.
std::vector<Clock::duration> sendAllDue(SendSchedule& schedule, Clock::time_point now) {
  std::vector<Clock::duration> dues;
  while (true) {
    SendSchedule::Next next = schedule.next(now);
    if (next.decision != Decision::kSend) break;
    dues.push_back(next.due - t0);
  }
  return dues;
}

TEST(SendSchedule, PacedRunSendsEachRequestAtItsDueTime) {
  SendSchedule schedule(100, 0, 1s);  // 100 qps for 1 s: 100 requests, 10 ms apart
  schedule.start(t0);
  EXPECT_EQ(schedule.planned(), 100u);
  for (int k = 0; k < 100; ++k) {
    const auto due = t0 + k * 10ms;
    EXPECT_EQ(schedule.wakeTime(), due) << k;
    EXPECT_EQ(schedule.next(due - 1ns).decision, Decision::kNotYet) << k;
    SendSchedule::Next next = schedule.next(due);
    ASSERT_EQ(next.decision, Decision::kSend) << k;
    EXPECT_EQ(next.due, due);
    EXPECT_EQ(next.lag, 0ns);
  }
  EXPECT_EQ(schedule.next(t0 + 1s).decision, Decision::kDone);
  EXPECT_TRUE(schedule.done());
  EXPECT_EQ(schedule.sent(), 100u);
  EXPECT_EQ(schedule.unsent(), 0u);
}

TEST(SendSchedule, AFractionalCountRoundsAsTheDurationHoldsThem) {
  EXPECT_EQ(scheduledCount(200, 2s), 400u);      // exactly, not 401 from 400.0000001
  EXPECT_EQ(scheduledCount(3, 1s + 100ms), 4u);  // k/qps < 1.1 s for k = 0..3
  EXPECT_EQ(scheduledCount(2, 2s), 4u);
}

TEST(SendSchedule, CatchUpAfterFallingBehindIsLimitedToTwiceTheRate) {
  // 100 qps (period 10 ms): catch-up at 200 qps (every 5 ms) with a burst of 5 ms (the larger
  // of half a period and 2 ms), so a run 100 ms behind does not send ten requests at once.
  SendSchedule schedule(100, 0, 10s);
  schedule.start(t0);
  const auto late = t0 + 100ms;  // requests 0..10 are due
  const auto burst = sendAllDue(schedule, late);
  ASSERT_EQ(burst.size(), 2u) << "only the burst goes out at once";
  EXPECT_EQ(burst[0], 0ms);
  EXPECT_EQ(burst[1], 10ms);
  // Then one send per wake-up, 5 ms apart, gaining 5 ms on the schedule each time: request
  // k goes out at late + 5(k-1) until that meets its due time t0 + 10k, at k = 19.
  for (int k = 2; k <= 19; ++k) {
    const auto now = schedule.wakeTime();
    EXPECT_EQ(now, late + (k - 1) * 5ms) << k;
    SendSchedule::Next next = schedule.next(now);
    ASSERT_EQ(next.decision, Decision::kSend) << k;
    EXPECT_EQ(next.due, t0 + k * 10ms) << k;
    EXPECT_EQ(next.lag, late + (k - 1) * 5ms - (t0 + k * 10ms)) << k;
    EXPECT_EQ(schedule.next(now).decision, Decision::kNotYet) << "one send per wake-up";
  }
  // Caught up: back to one send per period, each on its due time.
  for (int k = 20; k < 25; ++k) {
    EXPECT_EQ(schedule.wakeTime(), t0 + k * 10ms) << k;
    EXPECT_EQ(schedule.next(t0 + k * 10ms).lag, 0ns) << k;
  }
}

TEST(SendSchedule, LagIsMeasuredFromTheDueTime) {
  SendSchedule schedule(10, 0, 1s);  // 100 ms apart
  schedule.start(t0);
  SendSchedule::Next next = schedule.next(t0 + 3ms);
  ASSERT_EQ(next.decision, Decision::kSend);
  EXPECT_EQ(next.due, t0);
  EXPECT_EQ(next.lag, 3ms);
}

TEST(SendSchedule, DurationRunSendsLateRequestsOnlyWithinTheGrace) {
  SendSchedule schedule(10, 0, 1s);  // 10 requests due at 0, 100, ..., 900 ms
  schedule.start(t0);
  EXPECT_EQ(sendAllDue(schedule, t0).size(), 1u);
  // Every connection was busy until 0.5 s after the end: late sends still go out.
  auto now = t0 + 1s + SendSchedule::kSendGrace - 1ms;
  EXPECT_EQ(schedule.next(now).decision, Decision::kSend);
  // Past the grace, what is left is unsent and the schedule is done.
  now = t0 + 1s + SendSchedule::kSendGrace;
  EXPECT_EQ(schedule.next(now).decision, Decision::kDone);
  EXPECT_EQ(schedule.sent(), 2u);
  EXPECT_EQ(schedule.unsent(), 8u);
}

TEST(SendSchedule, CountRunEndsAfterNumQueriesWhateverTheDuration) {
  SendSchedule schedule(1000, 3, 0s);
  schedule.start(t0);
  EXPECT_EQ(schedule.planned(), 3u);
  for (int k = 0; k < 3; ++k) ASSERT_EQ(schedule.next(t0 + k * 1ms).decision, Decision::kSend);
  EXPECT_EQ(schedule.next(t0 + 1h).decision, Decision::kDone);
  EXPECT_EQ(schedule.unsent(), 0u);
}

TEST(SendSchedule, MaxRateRunSendsWhenAskedUntilTheCountOrTheEnd) {
  SendSchedule count(0, 5, 0s);
  count.start(t0);
  EXPECT_EQ(count.wakeTime(), Clock::time_point::max());
  for (int k = 0; k < 5; ++k) {
    SendSchedule::Next next = count.next(t0);
    ASSERT_EQ(next.decision, Decision::kSend);
    EXPECT_EQ(next.due, t0);
  }
  EXPECT_EQ(count.next(t0).decision, Decision::kDone);

  SendSchedule timed(0, 0, 2s);
  timed.start(t0);
  EXPECT_EQ(timed.wakeTime(), t0 + 2s);
  EXPECT_EQ(timed.next(t0 + 2s - 1ns).decision, Decision::kSend);
  EXPECT_EQ(timed.next(t0 + 2s).decision, Decision::kDone);
  EXPECT_EQ(timed.sent(), 1u);
}

}  // namespace
}  // namespace iter8::metrics

namespace iter8::metrics {
namespace {

using namespace std::chrono_literals;

// Every due time of `schedule`, each sent the moment it is due (no lag, no catch-up).
std::vector<SendSchedule::Clock::time_point> dueTimes(SendSchedule& schedule,
                                                      SendSchedule::Clock::time_point start) {
  std::vector<SendSchedule::Clock::time_point> dues;
  schedule.start(start);
  while (true) {
    SendSchedule::Clock::time_point now = schedule.wakeTime();
    SendSchedule::Next next = schedule.next(now);
    if (next.decision == SendSchedule::Decision::kDone) break;
    if (next.decision != SendSchedule::Decision::kSend) {
      ADD_FAILURE() << "a schedule woken at its wake time did not send";
      break;
    }
    dues.push_back(next.due);
  }
  return dues;
}

struct SplitCase {
  double qps;
  uint64_t numQueries;
  std::chrono::nanoseconds duration;
};

TEST(ScheduleSlices, TheUnionOfTheShardsIsTheOneGeneratorScheduleDueTimeForDueTime) {
  const SendSchedule::Clock::time_point origin{std::chrono::seconds(500)};
  const SplitCase cases[] = {{100, 0, 1s},  {333.3, 0, 2s}, {7, 0, 3s + 100ms},
                             {1000, 0, 1s}, {50, 101, 0s},  {12.5, 13, 0s}};
  for (const SplitCase& c : cases) {
    SendSchedule whole(c.qps, c.numQueries, c.duration);
    const auto expected = dueTimes(whole, origin);
    for (uint64_t n : {1u, 2u, 3u, 4u, 7u, 8u}) {
      std::vector<SendSchedule::Clock::time_point> merged;
      uint64_t planned = 0;
      for (uint64_t i = 0; i < n; ++i) {
        SendSchedule shard(c.qps, c.numQueries, c.duration, ScheduleSlice{i, n});
        planned += shard.planned();
        const auto dues = dueTimes(shard, origin);
        // Shard i's period is n / qps, its first send i / qps after the origin.
        if (dues.size() >= 2) {
          EXPECT_NEAR(std::chrono::duration<double>(dues[1] - dues[0]).count(), n / c.qps, 1e-8);
        }
        if (!dues.empty()) {
          EXPECT_NEAR(std::chrono::duration<double>(dues[0] - origin).count(), i / c.qps, 1e-8);
        }
        merged.insert(merged.end(), dues.begin(), dues.end());
      }
      std::sort(merged.begin(), merged.end());
      EXPECT_EQ(planned, whole.planned()) << "qps " << c.qps << ", " << n << " shards";
      EXPECT_EQ(merged, expected) << "qps " << c.qps << ", " << n << " shards";
    }
  }
}

TEST(ScheduleSlices, SharesGiveTheRemainderToTheLowIndexes) {
  EXPECT_EQ(sliceShare(10, {0, 4}), 3u);
  EXPECT_EQ(sliceShare(10, {1, 4}), 3u);
  EXPECT_EQ(sliceShare(10, {2, 4}), 2u);
  EXPECT_EQ(sliceShare(10, {3, 4}), 2u);
  EXPECT_EQ(sliceShare(3, {3, 4}), 0u);
  EXPECT_EQ(sliceShare(8, {0, 1}), 8u);
}

TEST(ScheduleSlices, AMaxRateCountRunSplitsItsCount) {
  const SendSchedule::Clock::time_point origin{std::chrono::seconds(500)};
  uint64_t sent = 0;
  for (uint64_t i = 0; i < 3; ++i) {
    SendSchedule shard(0, 10, 0s, ScheduleSlice{i, 3});
    shard.start(origin);
    while (shard.next(origin).decision == SendSchedule::Decision::kSend) {
    }
    EXPECT_EQ(shard.sent(), sliceShare(10, {i, 3}));
    sent += shard.sent();
  }
  EXPECT_EQ(sent, 10u);
}

}  // namespace
}  // namespace iter8::metrics
