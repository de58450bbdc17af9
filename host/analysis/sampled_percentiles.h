// Iter8 analytics' latency percentiles: not read from the buckets but estimated from a
// Monte-Carlo sample of them, with numpy's legacy generator seeded with 17 for every version
// (metrics.py : populate_builtins_for_version). Reproduced bit for bit: the same Mersenne
// Twister stream, numpy's random_sample doubles and numpy <= 1.19's linear interpolation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace iter8::analysis {

// One stored bucket of aggregatedBuiltinHists: seconds, in stored order.
struct DurationBucket {
  double start = 0;
  double end = 0;
  int64_t count = 0;
};

// The percentiles analytics writes, in this order.
inline constexpr std::array<int, 5> kSampledPercentiles = {50, 75, 90, 95, 99};

// Milliseconds at 50, 75, 90, 95, 99; nothing when no bucket has a positive count (analytics
// then writes no percentile entry for the version).
std::optional<std::array<double, 5>> sampledPercentiles(const std::vector<DurationBucket>& data);

}  // namespace iter8::analysis
