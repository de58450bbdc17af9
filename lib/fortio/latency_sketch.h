// A mergeable latency sketch (DDSketch-style logarithmic buckets), recorded for every version
// beside Fortio's fixed-bucket histogram. It is the one source of latency percentiles over a
// whole experiment: each loop's (later each load shard's) sketch is merged bucket by bucket
// into the one in the experiment's status.
//
// Why this bucket scheme: Fortio's histogram has fixed buckets (20-25 ms, 25-30 ms, ...), so its
// interpolated percentiles can be off by a whole bucket, and the exact samples of
// ExactPercentiles cannot be kept across loops. Logarithmic buckets give one relative error at
// every scale (1 ms and 2 s alike), add up exactly when merged (counts only, no resampling, so
// any merge order gives the same sketch), and stay small: a bucket is about 1 % wide, so a run
// spanning 1 ms to 2 s occupies at most 761 buckets however many requests or loops it has.
//
// The guarantee: relative accuracy alpha = kRelativeAccuracy = 0.005 and
// gamma = (1 + alpha) / (1 - alpha). Bucket i holds the values in (gamma^(i-1), gamma^i], so
// i = ceil(log(x) / log(gamma)), and reports its representative 2 gamma^i / (gamma + 1), which
// is within alpha of every value in the bucket (the bound is reached at both edges). Hence
// any percentile of values in [kMinValue, kMaxValue] is within 0.5 % of the true nearest-rank
// sample (plus ~1e-15 of floating-point rounding for a sample on a bucket edge).
//
// Percentiles are nearest rank, as ExactPercentiles: with the Count values sorted,
// percentile(p) is the one of rank ceil(p/100 * Count), at least 1. The rank is looked up in
// the underflow count, then the buckets ascending, then the overflow count: underflow gives
// Min, overflow gives Max, a bucket its representative. Rank 1 is Min and rank Count is Max,
// exactly. Every result is clamped to [Min, Max], so percentiles never decrease with p and
// never leave [Min, Max]. Values are seconds (double), like Fortio's.
//
// Out-of-range values are counted, never dropped: below kMinValue (0 and negatives included)
// in Underflow, above kMaxValue in Overflow; Count, Min, Max and Sum include them. NaN and
// infinities are refused (record() returns false and changes nothing): a clock never gives
// them, they cannot be ordered or summed meaningfully, and JSON cannot carry them.
//
// JSON (compact, Go-style names like Fortio's HistogramData): the counters, then only the
// non-empty buckets, as [index, count] pairs with indexes strictly ascending. For the values
// 0.0009765625, 0.001953125 (twice), 0.25, 0 (underflow) and 1e5 (overflow):
//   {"RelativeAccuracy":0.005,"Count":6,"Min":0,"Max":100000,"Sum":100000.2548828125,
//    "Underflow":1,"Overflow":1,"Buckets":[[-693,1],[-623,2],[-138,1]]}
// Bucket -693 is (gamma^-694, gamma^-693] = (0.000968, 0.000978] s, reported as 0.000973 s.
// The size depends on the spread of the values, not on how many there are or how many loops
// were merged: at most log(max/min)/log(gamma) + 1 pairs of at most ~15 characters. Between
// 1 ms and 2 s that is 761 pairs, under 12 KB up to 10 million requests (9 KB measured for
// 1 million log-uniform ones, 8 KB for 1 million log-normal ones over 100 loops).
//
// Memory: buckets are a dense std::vector<uint64_t> spanning the lowest to the highest index
// seen (plus slack), never past kNumBuckets entries (25 KB). record() allocates only when a
// value lands beyond that span, which then at least doubles: a handful of times in a sketch's
// life, none once a run's spread has been seen. Not thread-safe: keep one sketch per
// load-generating thread and merge() them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace iter8::fortio {

// A sketch that cannot be read or merged. The message names the field and what was expected,
// on one line, e.g. "Buckets[3][1]: expected a positive count, got 0".
class SketchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LatencySketch {
 public:
  static constexpr double kRelativeAccuracy = 0.005;
  static constexpr double kGamma = (1 + kRelativeAccuracy) / (1 - kRelativeAccuracy);
  // log(gamma) = 2 atanh(alpha) = 2 (alpha + alpha^3/3 + alpha^5/5 + alpha^7/7 + ...), whose
  // next term is 2e-22, far below this double's last digit (2e-18).
  static constexpr double kLogGamma =
      2 * kRelativeAccuracy *
      (1 + kRelativeAccuracy * kRelativeAccuracy *
               (1.0 / 3 + kRelativeAccuracy * kRelativeAccuracy *
                              (1.0 / 5 + kRelativeAccuracy * kRelativeAccuracy / 7)));

  // Indexable range. 1 ns is the resolution of the clocks (and of Go's time.Duration) that
  // latencies come from: only 0 is below it. 1 day is above any request timeout and any
  // experiment. 3210 buckets cover it, 25 KB when dense; real runs touch a few hundred.
  static constexpr double kMinValue = 1e-9;
  static constexpr double kMaxValue = 86400;
  // ceil(log(kMinValue) / kLogGamma) and ceil(log(kMaxValue) / kLogGamma) (checked by tests).
  static constexpr int kMinIndex = -2072;
  static constexpr int kMaxIndex = 1137;
  static constexpr int kNumBuckets = kMaxIndex - kMinIndex + 1;

  // Records one latency in seconds. Returns false, recording nothing, for NaN and infinities.
  // Cost: one std::log (~20 ns), i.e. 0.2 % of a core at 100k requests/s.
  bool record(double seconds);

  // Adds `other` into this sketch bucket by bucket, with its count, min, max and sum. Throws
  // SketchError (leaving this sketch unchanged) when the count would exceed 2^64 - 1.
  // Sketches of another relative accuracy cannot exist in memory: fromJson refuses them.
  void merge(const LatencySketch& other);

  // Nearest-rank percentile, p in [0, 100] (values outside count as 0 or 100); 0 when empty.
  // Throws std::invalid_argument for a NaN p.
  double percentile(double p) const;

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Smallest and largest recorded values (0 when empty), out-of-range ones included.
  double min() const { return min_; }
  double max() const { return max_; }
  double sum() const { return sum_; }  // depends on merge order in the last bits
  uint64_t underflow() const { return underflow_; }
  uint64_t overflow() const { return overflow_; }

  // The non-empty buckets as {index, count}, indexes ascending.
  std::vector<std::pair<int, uint64_t>> buckets() const;
  // Count of bucket `index` (0 outside the range or when empty).
  uint64_t bucketCount(int index) const;
  // Bytes held for bucket counts (capacity): never more than kNumBuckets * 8.
  size_t storageBytes() const { return buckets_.capacity() * sizeof(uint64_t); }

  void reset() { *this = LatencySketch(); }

  // Bucket of an in-range value (clamped to [kMinIndex, kMaxIndex]) and the value a bucket
  // reports; exposed for tests.
  static int bucketIndex(double seconds);
  static double bucketValue(int index);

  // Sets `out` to the JSON object above, which fromJson always reads back. A Sum beyond
  // +-DBL_MAX is written as +-DBL_MAX, a NaN one (+inf plus -inf) as 0: only reachable by
  // recording values near +-1e308 s.
  void toJson(rapidjson::Value& out, rapidjson::Value::AllocatorType& allocator) const;

  // Reads that JSON back, checking every member: types, RelativeAccuracy equal to
  // kRelativeAccuracy, non-negative integer counts, bucket indexes in range and strictly
  // ascending, positive bucket counts, buckets + Underflow + Overflow == Count, Min <= Max,
  // Min and Max where the lowest and highest values were counted (below kMinValue when
  // Underflow > 0, else in the first bucket, ...), all zero when Count is 0; at most
  // kNumBuckets pairs. Unknown members are ignored. Throws SketchError.
  static LatencySketch fromJson(const rapidjson::Value& json);

 private:
  // Makes buckets_ cover [low, high] (in range, low <= high).
  void cover(int low, int high);

  std::vector<uint64_t> buckets_;  // buckets_[k] counts bucket offset_ + k
  int offset_ = 0;
  uint64_t count_ = 0;
  uint64_t underflow_ = 0;
  uint64_t overflow_ = 0;
  double min_ = 0;
  double max_ = 0;
  double sum_ = 0;
};

}  // namespace iter8::fortio
