// Fortio-compatible latency statistics: a counter, the fixed-bucket histogram, its exported
// form (Fortio's HistogramData) with interpolated percentiles, Fortio's text and JSON output,
// and the merge of two exported histograms.
//
// Ported from fortio.org/fortio/stats (stats.go). Results recorded by the Go handler were
// Fortio's HistogramData, and experiments compare them with ours, so the bucket boundaries,
// the bucket of a value on a boundary, the interpolation and the field names/order all
// follow Fortio exactly. Deviations are marked "Unlike Fortio".
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8::fortio {

// Count, min, max, sum and sum of squares of recorded values (Fortio's Counter).
struct Counter {
  int64_t count = 0;
  double min = 0;
  double max = 0;
  double sum = 0;
  double sumOfSquares = 0;

  void record(double v) { recordN(v, 1); }
  // Records `v` `n` times. Unlike Fortio (which adds (v*n)^2), adds n*v^2 to the sum of
  // squares, so StdDev stays right for n > 1; identical for n == 1.
  void recordN(double v, int64_t n);
  // Sum / Count; 0 when empty (as current Fortio; early versions gave NaN).
  double avg() const;
  // Population standard deviation sqrt((SumSq - Sum^2/N) / N); 0 when empty, and 0 when
  // rounding makes the variance negative (Fortio issue #97).
  double stdDev() const;
  // Adds src into this counter and resets src.
  void transfer(Counter& src);
  void reset() { *this = Counter(); }
  // Fortio's Counter.Print line: "msg : count N avg A +/- S min m max M sum s\n".
  std::string print(const std::string& msg) const;
};

// One exported bucket: values in (Start, End] (the first one includes Min), the cumulative
// percentage of all values up to End, and how many values fell in it.
struct Bucket {
  double start = 0;
  double end = 0;
  double percent = 0;
  int64_t count = 0;
};

// The value at one requested percentile.
struct Percentile {
  double percentile = 0;
  double value = 0;
};

// Fortio's HistogramData: the flattened counter plus the non-empty buckets, sorted, covering
// [Min, Max], and the requested percentiles.
struct HistogramData {
  int64_t count = 0;
  double min = 0;
  double max = 0;
  double sum = 0;
  double avg = 0;
  double stdDev = 0;
  std::vector<Bucket> data;
  std::vector<Percentile> percentiles;

  // Fortio's CalcPercentile: Min for p <= 100/Count, Max for p >= 100, otherwise linear
  // interpolation inside the first bucket whose cumulative percent reaches p, from its
  // Start (at the previous bucket's percent) to its End. 0 when there is no data.
  double calcPercentile(double percentile) const;
  // Appends {p, calcPercentile(p)} for each p (nothing when Count is 0), like Fortio.
  HistogramData& calcPercentiles(const std::vector<double>& percentiles);
  // Fortio's HistogramData.Print text ("msg : no data\n" when empty).
  std::string print(const std::string& msg) const;
};

// Scale of a histogram: a value v is bucketed as (v - offset) / divider against the
// boundaries. Iter8 latencies are seconds with divider 0.001, so boundaries are milliseconds.
struct HistogramScale {
  double offset = 0;
  double divider = 0.001;
};

// Fortio's histogram: a Counter plus counts in 57 fixed buckets. Bucket 0 holds scaled values
// <= 0, bucket i holds (B[i-1], B[i]], the last holds > 100000. record() never allocates.
// Unlike Fortio, bucket counts are 64-bit (Fortio's int32 wraps after 2^31 samples).
// Not thread-safe: keep one per load-generating thread and transfer() them together.
class Histogram {
 public:
  static constexpr int kNumBoundaries = 56;
  static constexpr int kNumBuckets = kNumBoundaries + 1;
  // The 56 boundaries 0..11 by 1, 12..20 by 2, 25..50 by 5, ... 75000, 100000.
  static const std::array<int32_t, kNumBoundaries>& boundaries();

  // Throws std::invalid_argument when divider is 0 (Fortio's NewHistogram returns nil).
  explicit Histogram(HistogramScale scale = {});
  Histogram(double offset, double divider) : Histogram(HistogramScale{offset, divider}) {}

  void record(double v) { recordN(v, 1); }
  void recordN(double v, int64_t n);

  // Index of the bucket `v` falls in, with Fortio's rule: a scaled value within 1e-12 above
  // an integer counts as that integer, so boundary values (and their float noise, e.g.
  // 0.003/0.001 = 3.0000000000000004) go to the lower bucket.
  int bucketIndex(double v) const;

  const Counter& counter() const { return counter_; }
  const std::array<int64_t, kNumBuckets>& bucketCounts() const { return buckets_; }
  HistogramScale scale() const { return scale_; }
  // Value of boundary i in data units: divider * B[i] + offset (Fortio's exact expression).
  double boundaryValue(int i) const;

  // Fortio's Export: counter fields plus non-empty buckets; no percentiles yet.
  HistogramData exportData() const;
  // Fortio's Histogram.Print: exportData().calcPercentiles(percentiles).print(msg).
  std::string print(const std::string& msg, const std::vector<double>& percentiles) const;

  void reset();
  // Fortio's Transfer: adds src into this histogram (re-bucketing src's bucket midpoints when
  // the scales differ, as Fortio does) and resets src.
  void transfer(Histogram& src);
  // Fortio's Merge: a new histogram with the lower offset and the larger divider of the two,
  // holding both (which are reset).
  static Histogram merge(Histogram& h1, Histogram& h2);

  // Rebuilds a histogram from its export (e.g. read back from an experiment's status). The
  // sum of squares is derived from Count, Sum and StdDev. Throws std::invalid_argument when
  // a bucket is not on this scale's boundaries or the bucket counts do not add up to Count.
  static Histogram fromExport(const HistogramData& data, HistogramScale scale = {});

 private:
  void addBucketCounts(const Histogram& src);

  Counter counter_;
  HistogramScale scale_;
  std::array<int64_t, kNumBuckets> buckets_{};
};

// Merges two exported histograms of the same scale (Iter8 `loop` results): counts and sums
// add, min/max combine, equal buckets add up (never appended twice), StdDev comes from the
// combined sum of squares, and `percentiles` are computed from the merged buckets. Either
// side may be empty. Throws std::invalid_argument as Histogram::fromExport does.
HistogramData mergeHistogramData(const HistogramData& a, const HistogramData& b,
                                 const std::vector<double>& percentiles, HistogramScale scale = {});
// Same, recomputing the percentiles either side listed (a's first, then b's others).
HistogramData mergeHistogramData(const HistogramData& a, const HistogramData& b,
                                 HistogramScale scale = {});

// --- JSON (histogram_json.cpp) ---

class HistogramJsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Fortio's JSON of HistogramData: Count, Min, Max, Sum, Avg, StdDev, Data [{Start, End,
// Percent, Count}], Percentiles [{Percentile, Value}] in that order. Percentiles is null
// when none were computed, as in Fortio 1.11 results (Go's nil slice). Write the text with
// toGoJson/toGoPrettyJson (go_json.h) to get Fortio's digits exactly; lib's toJson uses
// RapidJSON's Grisu2, whose 17th digit sometimes differs (0.018000000000000003).
rapidjson::Value histogramDataToJson(const HistogramData& data,
                                     rapidjson::Value::AllocatorType& allocator);

// A JSON number value for `v`: integral values as integers, so that even RapidJSON's own
// writers print "20" as Go does (not "20.0"); others as doubles; null for NaN and Inf.
rapidjson::Value goJsonNumber(double v);

// Reads that JSON back. Data and Percentiles may be missing or null. Throws
// HistogramJsonError naming the member that is missing or of the wrong type.
HistogramData histogramDataFromJson(const rapidjson::Value& json);

}  // namespace iter8::fortio
