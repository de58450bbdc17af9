// Exact latency percentiles (the `ExactPercentiles` output of metrics/collect), next to
// Fortio's bucket-interpolated ones which can be off by a whole bucket (e.g. 20-25 ms).
//
// Definition: nearest rank. With the N samples sorted ascending, percentile p is the sample
// of rank ceil(p/100 * N) (1-based); p <= 0 gives the smallest, p >= 100 the largest. So
// p50 of {1, 2, 3, 4} is 2 and p99 of 100 samples is the 99th. While exact, every reported
// value is a recorded latency (no interpolation).
//
// Memory stays bounded: samples are kept as float seconds (4 bytes; 24-bit mantissa, i.e.
// nanoseconds for sub-second latencies) up to `sampleLimit`. The next sample moves them all
// into a fixed log-linear histogram (HdrHistogram-like: 128 linear sub-buckets per power of
// two, 43 powers of two from 2^-30 s (~1 ns) to 2^13 s, 44 KB) and frees the samples. From
// then on a percentile is the midpoint of the bucket holding the nearest-rank sample, clamped
// to [min, max], within kMaxRelativeError (1/256, about 0.4%; plus 6e-8 of float rounding
// for samples kept before the switch) of the exact value, for latencies in that range. The
// output says which mode produced it ("Exact").
//
// Not thread-safe: keep one store per load-generating thread and transfer() them together.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <rapidjson/document.h>

#include "lib/fortio/histogram.h"

namespace iter8::fortio {

class ExactPercentiles {
 public:
  // 4 million samples = 16 MB, e.g. 10 minutes at 6600 requests per second.
  static constexpr size_t kDefaultSampleLimit = 4'000'000;
  static constexpr int kSubBuckets = 128;   // per power of two
  static constexpr int kMinExponent = -30;  // 2^-30 s ~ 0.93 ns
  static constexpr int kMaxExponent = 12;   // last range [2^12, 2^13) s, up to ~2.3 h
  static constexpr int kNumLogBuckets = (kMaxExponent - kMinExponent + 1) * kSubBuckets;
  // A bucket spans 1/128 of its lower bound; its midpoint is within half of that.
  static constexpr double kMaxRelativeError = 1.0 / (2 * kSubBuckets);

  explicit ExactPercentiles(size_t sampleLimit = kDefaultSampleLimit);

  // Records one latency in seconds. Amortized O(1); allocates only when the sample buffer
  // doubles (O(log limit) times in all) and once at the switch to the histogram.
  void record(double seconds);

  // Adds src's samples into this store and resets src (per-thread stores into one). Stays
  // exact when both are and the samples fit in this store's limit; else switches.
  void transfer(ExactPercentiles& src);

  int64_t count() const { return count_; }
  // True while every sample is kept (values are exact to float precision).
  bool exact() const { return logBuckets_.empty(); }
  size_t sampleLimit() const { return limit_; }
  double min() const { return min_; }
  double max() const { return max_; }

  // Nearest-rank percentile (see above); 0 when nothing was recorded. Sorts the kept samples
  // in place the first time after a record(), hence not const.
  double percentile(double p);
  std::vector<Percentile> percentiles(const std::vector<double>& ps);

  // {"Count": N, "Exact": bool, "Method": "nearest-rank", "MaxRelativeError": 0 or 1/256,
  //  "Percentiles": [{"Percentile": p, "Value": v}, ...]} (values in recorded units).
  rapidjson::Value toJson(const std::vector<double>& ps,
                          rapidjson::Value::AllocatorType& allocator);

  // The store's state, for another process to merge (a shard's partial result, docs/scale.md):
  // {"Count", "Min", "Max"} and, while exact and holding at most `maxSamples` samples,
  // "Samples" (base64 of the kept float32 samples, little-endian: the very values kept), else
  // "Buckets" ([[index, count], ...], the non-zero log buckets). fromState() of it, transferred
  // into a store, gives what that store would hold had it recorded the samples itself.
  rapidjson::Value state(size_t maxSamples, rapidjson::Value::AllocatorType& allocator) const;
  // Rebuilds a store from state(); throws std::runtime_error naming what is malformed.
  static ExactPercentiles fromState(const rapidjson::Value& state,
                                    size_t sampleLimit = kDefaultSampleLimit);

  // Bytes held for samples and buckets (capacity, not size): never more than
  // sampleLimit * sizeof(float) before the switch, kNumLogBuckets * 8 after.
  size_t storageBytes() const;

  void reset();

  // Log-linear bucket of a value and the midpoint it reports; exposed for tests.
  static int logBucketIndex(double seconds);
  static double logBucketMidpoint(int index);

 private:
  void switchToHistogram();
  void recordInHistogram(double seconds);

  size_t limit_;
  std::vector<float> samples_;
  bool sorted_ = true;
  std::vector<int64_t> logBuckets_;  // empty while exact, kNumLogBuckets entries after
  int64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace iter8::fortio
