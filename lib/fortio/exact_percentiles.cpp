#include "lib/fortio/exact_percentiles.h"

#include <algorithm>
#include <cmath>

#include "lib/fortio/value_range.h"

namespace iter8::fortio {

ExactPercentiles::ExactPercentiles(size_t sampleLimit) : limit_(sampleLimit) {}

int ExactPercentiles::logBucketIndex(double seconds) {
  if (!(seconds > 0)) return 0;  // zero, negative, NaN: the lowest bucket (clamped to min)
  int e;
  double mantissa = std::frexp(seconds, &e);  // seconds = mantissa * 2^e, mantissa in [0.5, 1)
  int exponent = e - 1;                       // seconds in [2^exponent, 2^(exponent+1))
  if (exponent < kMinExponent) return 0;
  if (exponent > kMaxExponent) return kNumLogBuckets - 1;
  int sub = static_cast<int>((mantissa * 2 - 1) * kSubBuckets);  // linear within the octave
  return (exponent - kMinExponent) * kSubBuckets + std::min(sub, kSubBuckets - 1);
}

double ExactPercentiles::logBucketMidpoint(int index) {
  int exponent = index / kSubBuckets + kMinExponent;
  int sub = index % kSubBuckets;
  double low = std::ldexp(1.0 + static_cast<double>(sub) / kSubBuckets, exponent);
  double high = std::ldexp(1.0 + static_cast<double>(sub + 1) / kSubBuckets, exponent);
  return (low + high) / 2;
}

void ExactPercentiles::record(double seconds) {
  widenRange(seconds, count_ == 0, min_, max_);
  ++count_;
  if (!exact()) {
    recordInHistogram(seconds);
    return;
  }
  if (samples_.size() == samples_.capacity()) {
    if (samples_.size() >= limit_) {
      switchToHistogram();
      recordInHistogram(seconds);
      return;
    }
    // Grow geometrically but never past the limit, so capacity stays <= limit.
    samples_.reserve(std::min(limit_, std::max<size_t>(1024, samples_.capacity() * 2)));
  }
  samples_.push_back(static_cast<float>(seconds));
  sorted_ = false;
}

void ExactPercentiles::transfer(ExactPercentiles& src) {
  if (src.count_ == 0 || &src == this) return;
  min_ = count_ == 0 ? src.min_ : std::min(min_, src.min_);
  max_ = count_ == 0 ? src.max_ : std::max(max_, src.max_);
  count_ += src.count_;
  const size_t combined = samples_.size() + src.samples_.size();
  if (exact() && src.exact() && combined <= limit_) {
    if (combined > samples_.capacity()) {
      samples_.reserve(std::min(limit_, std::max(combined, samples_.capacity() * 2)));
    }
    samples_.insert(samples_.end(), src.samples_.begin(), src.samples_.end());
    sorted_ = false;
  } else {
    if (exact()) switchToHistogram();
    for (float sample : src.samples_) recordInHistogram(sample);
    for (size_t i = 0; i < src.logBuckets_.size(); ++i) logBuckets_[i] += src.logBuckets_[i];
  }
  src.reset();
}

void ExactPercentiles::recordInHistogram(double seconds) {
  ++logBuckets_[static_cast<size_t>(logBucketIndex(seconds))];
}

void ExactPercentiles::switchToHistogram() {
  logBuckets_.assign(kNumLogBuckets, 0);
  for (float sample : samples_) recordInHistogram(sample);
  std::vector<float>().swap(samples_);  // give the memory back
  sorted_ = true;
}

double ExactPercentiles::percentile(double p) {
  if (count_ == 0) return 0;
  // Rank ceil(p/100 * N), computed as p*N/100 (fewer roundings) and nudged down by a hair so
  // that e.g. 99.9% of 1000 is rank 999, not 1000 because of binary fractions.
  double exactRank = p * static_cast<double>(count_) / 100.;
  int64_t rank = static_cast<int64_t>(std::ceil(exactRank - 1e-9 * std::max(1.0, exactRank)));
  rank = std::clamp<int64_t>(rank, 1, count_);
  if (exact()) {
    if (!sorted_) {
      std::sort(samples_.begin(), samples_.end());
      sorted_ = true;
    }
    return samples_[static_cast<size_t>(rank - 1)];
  }
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  int64_t cumulative = 0;
  for (size_t i = 0; i < logBuckets_.size(); ++i) {
    cumulative += logBuckets_[i];
    if (cumulative >= rank) {
      return std::clamp(logBucketMidpoint(static_cast<int>(i)), min_, max_);
    }
  }
  return max_;  // not reached: the buckets hold count_ samples
}

std::vector<Percentile> ExactPercentiles::percentiles(const std::vector<double>& ps) {
  std::vector<Percentile> out;
  out.reserve(ps.size());
  for (double p : ps) out.push_back({p, percentile(p)});
  return out;
}

rapidjson::Value ExactPercentiles::toJson(const std::vector<double>& ps,
                                          rapidjson::Value::AllocatorType& allocator) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("Count", rapidjson::Value(static_cast<int64_t>(count_)), allocator);
  out.AddMember("Exact", exact(), allocator);
  out.AddMember("Method", "nearest-rank", allocator);
  out.AddMember("MaxRelativeError", goJsonNumber(exact() ? 0.0 : kMaxRelativeError), allocator);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const Percentile& p : percentiles(ps)) {
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("Percentile", goJsonNumber(p.percentile), allocator);
    entry.AddMember("Value", goJsonNumber(p.value), allocator);
    list.PushBack(entry, allocator);
  }
  out.AddMember("Percentiles", list, allocator);
  return out;
}

size_t ExactPercentiles::storageBytes() const {
  return samples_.capacity() * sizeof(float) + logBuckets_.capacity() * sizeof(int64_t);
}

void ExactPercentiles::reset() {
  std::vector<float>().swap(samples_);
  std::vector<int64_t>().swap(logBuckets_);
  sorted_ = true;
  count_ = 0;
  min_ = 0;
  max_ = 0;
}

}  // namespace iter8::fortio
