#include "lib/fortio/histogram.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "lib/fortio/value_range.h"
#include "lib/go_json.h"

namespace iter8::fortio {
namespace {

// Fortio's histogramBucketValues. Intervals are (prev, cur], so the cumulative percent up to
// a bucket is the share of values <= its end.
// clang-format off
constexpr std::array<int32_t, Histogram::kNumBoundaries> kBoundaries = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,         // by 1
    12, 14, 16, 18, 20,                           // then by 2
    25, 30, 35, 40, 45, 50,                       // then by 5
    60, 70, 80, 90, 100,                          // then by 10
    120, 140, 160, 180, 200,                      // the same, x10
    250, 300, 350, 400, 450, 500,                 // x10
    600, 700, 800, 900, 1000,                     // x10
    2000, 3000, 4000, 5000, 7500, 10000,          // coarser
    20000, 30000, 40000, 50000, 75000, 100000,    // the end
};
// clang-format on
constexpr double kFirstValue = kBoundaries.front();
constexpr double kLastValue = kBoundaries.back();

// Scaled integers below this are looked up in a table (Fortio's val2Bucket), the rest by
// binary search over the few coarse boundaries.
constexpr int32_t kTableSize = 1000;

// Bucket of the integer part of a scaled value: the number of boundaries <= it, i.e. the
// first bucket whose upper bound is greater.
constexpr std::array<uint8_t, kTableSize> makeBucketTable() {
  std::array<uint8_t, kTableSize> table{};
  size_t idx = 0;
  for (int32_t i = 0; i < kTableSize; ++i) {
    while (idx < kBoundaries.size() && kBoundaries[idx] <= i) ++idx;
    table[static_cast<size_t>(i)] = static_cast<uint8_t>(idx);
  }
  return table;
}
constexpr std::array<uint8_t, kTableSize> kBucketTable = makeBucketTable();

int bucketOfScaledInt(int64_t scaledInt) {
  // Fortio indexes val2Bucket[-1] (a panic) for scaled values in (0, 1e-12]; they are ~0, so
  // they go to the "<= 0" bucket.
  if (scaledInt < 0) return 0;
  if (scaledInt < kTableSize) return kBucketTable[static_cast<size_t>(scaledInt)];
  return static_cast<int>(std::upper_bound(kBoundaries.begin(), kBoundaries.end(), scaledInt) -
                          kBoundaries.begin());
}

// C's %.Ng matches Go's for finite values; Go spells the non-finite ones differently.
std::string formatPrecision(const char* format, double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

void appendFormat(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void appendFormat(std::string& out, const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  if (n > 0) out.append(buffer, std::min(static_cast<size_t>(n), sizeof buffer - 1));
}

}  // namespace

// ---- Counter ----

void Counter::recordN(double v, int64_t n) {
  widenRange(v, count == 0, min, max);
  count += n;
  double fn = static_cast<double>(n);
  sum += v * fn;
  sumOfSquares += v * v * fn;
}

double Counter::avg() const {
  return count == 0 ? 0. : sum / static_cast<double>(count);
}

double Counter::stdDev() const {
  if (count == 0) return 0.;
  double fC = static_cast<double>(count);
  double sigma = (sumOfSquares - sum * sum / fC) / fC;
  if (sigma < 0) return 0;  // rounding (Fortio logs a warning)
  return std::sqrt(sigma);
}

void Counter::transfer(Counter& src) {
  if (src.count == 0) return;
  if (count == 0) {
    *this = src;
    src.reset();
    return;
  }
  count += src.count;
  if (src.min < min) min = src.min;
  if (src.max > max) max = src.max;
  sum += src.sum;
  sumOfSquares += src.sumOfSquares;
  src.reset();
}

std::string Counter::print(const std::string& msg) const {
  return msg + " : count " + std::to_string(count) + " avg " + formatPrecision("%.8g", avg()) +
         " +/- " + formatPrecision("%.4g", stdDev()) + " min " + formatGoG(min) + " max " +
         formatGoG(max) + " sum " + formatPrecision("%.9g", sum) + "\n";
}

// ---- HistogramData ----

double HistogramData::calcPercentile(double percentile) const {
  if (data.empty()) return 0;  // Fortio logs "Unexpected call to CalcPercentile"
  if (percentile >= 100) return max;
  // Min is at least one point, so it covers the first 100/Count percent.
  double previousPercent = 100. / static_cast<double>(count);
  if (percentile <= previousPercent) return min;
  for (const Bucket& cur : data) {
    if (percentile <= cur.percent) {
      return cur.start + (percentile - previousPercent) / (cur.percent - previousPercent) *
                             (cur.end - cur.start);
    }
    previousPercent = cur.percent;
  }
  return max;  // not reached: the last bucket is at 100%
}

HistogramData& HistogramData::calcPercentiles(const std::vector<double>& wanted) {
  if (count == 0) return *this;
  for (double p : wanted) percentiles.push_back({p, calcPercentile(p)});
  return *this;
}

std::string HistogramData::print(const std::string& msg) const {
  if (data.empty()) return msg + " : no data\n";
  std::string out = msg + " : count " + std::to_string(count) + " avg " +
                    formatPrecision("%.8g", avg) + " +/- " + formatPrecision("%.4g", stdDev) +
                    " min " + formatGoG(min) + " max " + formatGoG(max) + " sum " +
                    formatPrecision("%.9g", sum) + "\n";
  out += "# range, mid point, percentile, count\n";
  const char* separator = ">=";
  for (size_t i = 0; i < data.size(); ++i) {
    const Bucket& b = data[i];
    if (i > 0) separator = ">";  // only the first interval includes its start (Min)
    out += std::string(separator) + " " + formatPrecision("%.6g", b.start) +
           " <= " + formatPrecision("%.6g", b.end) + " , " +
           formatPrecision("%.6g", (b.start + b.end) / 2.) + " , ";
    appendFormat(out, "%.2f, %" PRId64 "\n", b.percent, b.count);
  }
  for (const Percentile& p : percentiles) {
    out += "# target " + formatGoG(p.percentile) + "% " + formatPrecision("%.6g", p.value) + "\n";
  }
  return out;
}

// ---- Histogram ----

const std::array<int32_t, Histogram::kNumBoundaries>& Histogram::boundaries() {
  return kBoundaries;
}

Histogram::Histogram(HistogramScale scale) : scale_(scale) {
  if (scale.divider == 0) throw std::invalid_argument("histogram divider can not be 0");
}

double Histogram::boundaryValue(int i) const {
  return scale_.divider * static_cast<double>(kBoundaries[static_cast<size_t>(i)]) + scale_.offset;
}

int Histogram::bucketIndex(double v) const {
  // Intervals are open on the left, (start, end]: a value exactly on a boundary belongs to
  // the lower bucket. Fortio first subtracted an epsilon, then (as here) moves a scaled
  // value within 1e-12 above an integer down by one before the lookup.
  double scaled = (v - scale_.offset) / scale_.divider;
  if (scaled <= kFirstValue) return 0;
  if (!(scaled <= kLastValue)) return kNumBuckets - 1;  // > last boundary (and NaN)
  auto scaledInt = static_cast<int64_t>(scaled);
  double delta = scaled - static_cast<double>(scaledInt);
  if (delta < 1e-12) --scaledInt;
  return bucketOfScaledInt(scaledInt);
}

void Histogram::recordN(double v, int64_t n) {
  counter_.recordN(v, n);
  buckets_[static_cast<size_t>(bucketIndex(v))] += n;
}

HistogramData Histogram::exportData() const {
  HistogramData res;
  res.count = counter_.count;
  res.min = counter_.min;
  res.max = counter_.max;
  res.sum = counter_.sum;
  res.avg = counter_.avg();
  res.stdDev = counter_.stdDev();
  int lastIdx = -1;
  for (int i = kNumBuckets - 1; i >= 0; --i) {
    if (buckets_[static_cast<size_t>(i)] > 0) {
      lastIdx = i;
      break;
    }
  }
  if (lastIdx == -1) return res;

  int prev = 0;  // index of the boundary the next bucket starts at
  int64_t total = 0;
  auto ctrTotal = static_cast<double>(counter_.count);
  for (int i = 0; i <= lastIdx; ++i) {
    int64_t n = buckets_[static_cast<size_t>(i)];
    if (n == 0) {
      if (i < kNumBoundaries) prev = i;
      continue;
    }
    Bucket b;
    total += n;
    b.start = res.data.empty() ? counter_.min : boundaryValue(prev);
    b.percent = 100. * static_cast<double>(total) / ctrTotal;
    if (i < kNumBoundaries) {
      b.end = boundaryValue(i);
      prev = i;
    } else {  // the "> last boundary" bucket
      b.start = boundaryValue(prev);
      b.end = counter_.max;
    }
    b.count = n;
    res.data.push_back(b);
  }
  res.data.back().end = counter_.max;
  return res;
}

std::string Histogram::print(const std::string& msg, const std::vector<double>& percentiles) const {
  return exportData().calcPercentiles(percentiles).print(msg);
}

void Histogram::reset() {
  counter_.reset();
  buckets_.fill(0);
}

void Histogram::addBucketCounts(const Histogram& src) {
  if (scale_.divider == src.scale_.divider && scale_.offset == src.scale_.offset) {
    for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += src.buckets_[i];
    return;
  }
  // Different scales: as Fortio, put each source bucket's count at its midpoint.
  for (const Bucket& b : src.exportData().data) {
    buckets_[static_cast<size_t>(bucketIndex((b.start + b.end) / 2))] += b.count;
  }
}

void Histogram::transfer(Histogram& src) {
  if (src.counter_.count == 0) return;
  if (counter_.count == 0) {
    counter_ = src.counter_;
    addBucketCounts(src);
  } else {
    addBucketCounts(src);
    counter_.transfer(src.counter_);
  }
  src.reset();
}

Histogram Histogram::merge(Histogram& h1, Histogram& h2) {
  HistogramScale scale;
  scale.divider = std::max(h1.scale_.divider, h2.scale_.divider);
  scale.offset = std::min(h1.scale_.offset, h2.scale_.offset);
  Histogram merged(scale);
  merged.transfer(h1);
  merged.transfer(h2);
  return merged;
}

Histogram Histogram::fromExport(const HistogramData& data, HistogramScale scale) {
  Histogram h(scale);
  if (data.count < 0) throw std::invalid_argument("histogram Count is negative");
  if (data.count == 0) {
    if (!data.data.empty()) throw std::invalid_argument("histogram has buckets but Count 0");
    return h;
  }
  auto fC = static_cast<double>(data.count);
  h.counter_.count = data.count;
  h.counter_.min = data.min;
  h.counter_.max = data.max;
  h.counter_.sum = data.sum;
  // Invert StdDev = sqrt((SumSq - Sum^2/N) / N).
  h.counter_.sumOfSquares = fC * data.stdDev * data.stdDev + data.sum * data.sum / fC;

  // Boundary index whose value is `v`; tolerant of JSON round-off (boundaries are >= 1 apart
  // in scaled units).
  auto boundaryAt = [&](double v) {
    double scaled = (v - scale.offset) / scale.divider;
    auto it = std::lower_bound(kBoundaries.begin(), kBoundaries.end(), scaled - 1e-6);
    if (it == kBoundaries.end() || std::fabs(*it - scaled) > 1e-6) {
      throw std::invalid_argument("histogram bucket bound " + formatGoG(v) +
                                  " is not a boundary of this histogram scale");
    }
    return static_cast<int>(it - kBoundaries.begin());
  };
  // Interior bounds are fixed boundaries; the first bucket starts at Min and the last ends at
  // Max, so each bucket is found by a bound that is a boundary (or, alone, by where Max is).
  const size_t n = data.data.size();
  int64_t total = 0;
  int previous = -1;
  for (size_t k = 0; k < n; ++k) {
    const Bucket& b = data.data[k];
    int idx;
    if (n == 1) {
      idx = h.bucketIndex(data.max);
    } else if (k + 1 < n) {
      idx = boundaryAt(b.end);  // bucket i ends at boundary i
    } else {
      idx = boundaryAt(b.start) + 1;  // the last bucket starts at its lower boundary
    }
    if (idx <= previous) throw std::invalid_argument("histogram buckets are not in order");
    if (b.count <= 0) throw std::invalid_argument("histogram bucket has no count");
    previous = idx;
    h.buckets_[static_cast<size_t>(idx)] = b.count;
    total += b.count;
  }
  if (total != data.count) {
    throw std::invalid_argument("histogram bucket counts add up to " + std::to_string(total) +
                                ", not Count " + std::to_string(data.count));
  }
  return h;
}

// ---- merge of exported histograms ----

HistogramData mergeHistogramData(const HistogramData& a, const HistogramData& b,
                                 const std::vector<double>& percentiles, HistogramScale scale) {
  Histogram merged = Histogram::fromExport(a, scale);
  Histogram other = Histogram::fromExport(b, scale);
  merged.transfer(other);
  HistogramData out = merged.exportData();
  out.calcPercentiles(percentiles);
  return out;
}

HistogramData mergeHistogramData(const HistogramData& a, const HistogramData& b,
                                 HistogramScale scale) {
  std::vector<double> percentiles;
  for (const auto* side : {&a, &b}) {
    for (const Percentile& p : side->percentiles) {
      if (std::find(percentiles.begin(), percentiles.end(), p.percentile) == percentiles.end()) {
        percentiles.push_back(p.percentile);
      }
    }
  }
  return mergeHistogramData(a, b, percentiles, scale);
}

}  // namespace iter8::fortio
