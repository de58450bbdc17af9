#include "lib/fortio/latency_sketch.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

#include "lib/fortio/value_range.h"
#include "lib/json.h"

namespace iter8::fortio {
namespace {

constexpr uint64_t kMaxCount = std::numeric_limits<uint64_t>::max();

std::string str(double v) {
  return toJson(rapidjson::Value(v));  // Go's spelling: "0.005", "1e-9"
}

// What a JSON value is, for messages: its text when a number, else its type.
std::string describe(const rapidjson::Value& v) {
  if (v.IsNumber()) return std::isfinite(v.GetDouble()) ? toJson(v) : "a non-finite number";
  if (v.IsArray()) return "an array of " + std::to_string(v.Size());
  return jsonTypeWithArticle(v);
}

[[noreturn]] void fail(const std::string& field, const std::string& expected,
                       const rapidjson::Value& got) {
  throw SketchError(field + ": expected " + expected + ", got " + describe(got));
}

const rapidjson::Value& member(const rapidjson::Value& json, const char* name,
                               const char* expected) {
  const rapidjson::Value* v = findMember(json, name);
  if (v == nullptr) throw SketchError(std::string(name) + ": missing, expected " + expected);
  return *v;
}

uint64_t readCount(const rapidjson::Value& json, const char* name) {
  const char* expected = "a non-negative integer";
  const rapidjson::Value& v = member(json, name, expected);
  if (!v.IsUint64()) fail(name, expected, v);
  return v.GetUint64();
}

double readNumber(const rapidjson::Value& json, const char* name) {
  const char* expected = "a finite number";
  const rapidjson::Value& v = member(json, name, expected);
  if (!v.IsNumber() || !std::isfinite(v.GetDouble())) fail(name, expected, v);
  return v.GetDouble();
}

// Lower and upper edge of bucket `index`: gamma^(index-1) and gamma^index.
double edge(int index) {
  return std::exp(index * LatencySketch::kLogGamma);
}

// Min or Max (`name`, the `which` counted value) lies where that value was counted: in
// Underflow (place -1), in `bucket` (place 0; edges widened by 1e-12 for the rounding in
// bucketIndex) or in Overflow (place 1).
void checkEnd(const rapidjson::Value& json, const char* name, const char* which, int place,
              int bucket) {
  const double v = json[name].GetDouble();
  const std::string the = std::string(", the ") + which;
  if (place < 0 && !(v < LatencySketch::kMinValue)) {
    fail(name, "a value below " + str(LatencySketch::kMinValue) + the + " being in Underflow",
         json[name]);
  } else if (place > 0 && !(v > LatencySketch::kMaxValue)) {
    fail(name, "a value above " + str(LatencySketch::kMaxValue) + the + " being in Overflow",
         json[name]);
  } else if (place == 0 &&
             !(v > edge(bucket - 1) * (1 - 1e-12) && v <= edge(bucket) * (1 + 1e-12))) {
    fail(name,
         "a value in bucket " + std::to_string(bucket) + " (" + str(edge(bucket - 1)) + ", " +
             str(edge(bucket)) + "]" + the + " used",
         json[name]);
  }
}

// The [index, count] pairs of Buckets, checked: indexes in range and ascending, counts positive
// and adding up to `count` with the `outOfRange` ones.
std::vector<std::pair<int, uint64_t>> readBucketPairs(const rapidjson::Value& buckets,
                                                      uint64_t count, uint64_t outOfRange) {
  const std::string countText = "Count (" + std::to_string(count) + ")";
  uint64_t total = outOfRange;
  std::vector<std::pair<int, uint64_t>> pairs;
  pairs.reserve(buckets.Size());
  for (rapidjson::SizeType i = 0; i < buckets.Size(); ++i) {
    const std::string at = "Buckets[" + std::to_string(i) + "]";
    const rapidjson::Value& pair = buckets[i];
    if (!pair.IsArray() || pair.Size() != 2) fail(at, "an [index, count] pair", pair);
    const rapidjson::Value& index = pair[0];
    const rapidjson::Value& n = pair[1];
    if (!index.IsInt() || index.GetInt() < LatencySketch::kMinIndex ||
        index.GetInt() > LatencySketch::kMaxIndex) {
      fail(at + "[0]",
           "an integer index in [" + std::to_string(LatencySketch::kMinIndex) + ", " +
               std::to_string(LatencySketch::kMaxIndex) + "]",
           index);
    }
    if (!pairs.empty() && index.GetInt() <= pairs.back().first) {
      fail(at + "[0]",
           "an index above the previous one (" + std::to_string(pairs.back().first) +
               "), as indexes ascend",
           index);
    }
    if (!n.IsUint64() || n.GetUint64() == 0) fail(at + "[1]", "a positive count", n);
    if (n.GetUint64() > count - total) {
      throw SketchError("Buckets: expected counts adding up to " + countText +
                        " with Underflow and Overflow, got more by " + at);
    }
    total += n.GetUint64();
    pairs.emplace_back(index.GetInt(), n.GetUint64());
  }
  if (total != count) {
    throw SketchError("Buckets: expected counts adding up to " + countText +
                      " with Underflow and Overflow, got " + std::to_string(total));
  }
  return pairs;
}

}  // namespace

int LatencySketch::bucketIndex(double seconds) {
  if (!(seconds > kMinValue)) return kMinIndex;  // NaN too
  if (seconds >= kMaxValue) return kMaxIndex;
  const int index = static_cast<int>(std::ceil(std::log(seconds) / kLogGamma));
  // Rounding may put a value on a range end one bucket out: it belongs to the end bucket.
  return std::clamp(index, kMinIndex, kMaxIndex);
}

double LatencySketch::bucketValue(int index) {
  return 2 * edge(std::clamp(index, kMinIndex, kMaxIndex)) / (kGamma + 1);
}

bool LatencySketch::record(double seconds) {
  if (!std::isfinite(seconds)) return false;
  widenRange(seconds, count_ == 0, min_, max_);
  ++count_;
  sum_ += seconds;
  if (seconds < kMinValue) {
    ++underflow_;
  } else if (seconds > kMaxValue) {
    ++overflow_;
  } else {
    const int index = bucketIndex(seconds);
    if (index < offset_ || index - offset_ >= static_cast<int>(buckets_.size())) {
      cover(index, index);
    }
    ++buckets_[static_cast<size_t>(index - offset_)];
  }
  return true;
}

void LatencySketch::cover(int low, int high) {
  const int size = static_cast<int>(buckets_.size());
  if (size > 0 && low >= offset_ && high < offset_ + size) return;
  const int oldLow = size > 0 ? offset_ : low;
  const int oldHigh = size > 0 ? offset_ + size - 1 : high;
  int newLow = std::min(low, oldLow);
  int newHigh = std::max(high, oldHigh);
  // Leave as many buckets again as the span (at least 64, a factor 1.9 of latency) on each
  // side that grows: the span at least doubles each time, so a sketch grows a few times in
  // all (3210 buckets is 129 doubled 5 times), however its values arrive.
  const int slack = std::max(64, newHigh - newLow + 1);
  if (size == 0 || newLow < oldLow) newLow = std::max(kMinIndex, newLow - slack);
  if (size == 0 || newHigh > oldHigh) newHigh = std::min(kMaxIndex, newHigh + slack);
  std::vector<uint64_t> grown(static_cast<size_t>(newHigh - newLow + 1), 0);
  std::copy(buckets_.begin(), buckets_.end(), grown.begin() + (oldLow - newLow));
  buckets_.swap(grown);
  offset_ = newLow;
}

void LatencySketch::merge(const LatencySketch& other) {
  if (&other == this) return merge(LatencySketch(other));
  if (other.count_ == 0) return;
  if (count_ > kMaxCount - other.count_) {
    throw SketchError("Count: expected a merged count below 2^64, got " + std::to_string(count_) +
                      " + " + std::to_string(other.count_));
  }
  // Cover only other's non-empty buckets, not its slack.
  const auto nonZero = [](uint64_t c) { return c != 0; };
  auto first = std::find_if(other.buckets_.begin(), other.buckets_.end(), nonZero);
  if (first != other.buckets_.end()) {
    auto last = std::find_if(other.buckets_.rbegin(), other.buckets_.rend(), nonZero).base();
    const int firstIndex = other.offset_ + static_cast<int>(first - other.buckets_.begin());
    cover(firstIndex, other.offset_ + static_cast<int>(last - other.buckets_.begin()) - 1);
    uint64_t* to = &buckets_[static_cast<size_t>(firstIndex - offset_)];
    for (auto it = first; it != last; ++it) *to++ += *it;
  }
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  underflow_ += other.underflow_;
  overflow_ += other.overflow_;
  sum_ += other.sum_;
}

double LatencySketch::percentile(double p) const {
  if (std::isnan(p)) throw std::invalid_argument("percentile: expected a number in [0, 100]");
  if (count_ == 0) return 0;
  const auto n = static_cast<double>(count_);
  // Rank ceil(p/100 * N), nudged down by 4 ulps so that rounding in p (99.9 is not exact)
  // and in the product cannot push an integral rank to the next one.
  const double exactRank = std::clamp(p, 0.0, 100.0) * n / 100;
  const double r = std::ceil(exactRank - exactRank * 4 * DBL_EPSILON);
  const uint64_t rank = r <= 1 ? 1 : r >= n ? count_ : static_cast<uint64_t>(r);
  if (rank == 1 || rank <= underflow_) return min_;
  if (rank == count_ || rank > count_ - overflow_) return max_;
  uint64_t cumulative = underflow_;
  for (size_t k = 0; k < buckets_.size(); ++k) {
    cumulative += buckets_[k];
    if (cumulative >= rank) {
      return std::clamp(bucketValue(offset_ + static_cast<int>(k)), min_, max_);
    }
  }
  return max_;  // not reached: the buckets hold Count - Underflow - Overflow values
}

std::vector<std::pair<int, uint64_t>> LatencySketch::buckets() const {
  std::vector<std::pair<int, uint64_t>> out;
  for (size_t k = 0; k < buckets_.size(); ++k) {
    if (buckets_[k] != 0) out.emplace_back(offset_ + static_cast<int>(k), buckets_[k]);
  }
  return out;
}

uint64_t LatencySketch::bucketCount(int index) const {
  if (index < offset_ || index - offset_ >= static_cast<int>(buckets_.size())) return 0;
  return buckets_[static_cast<size_t>(index - offset_)];
}

void LatencySketch::toJson(rapidjson::Value& out,
                           rapidjson::Value::AllocatorType& allocator) const {
  out.SetObject();
  const auto add = [&](const char* name, rapidjson::Value value) {
    out.AddMember(rapidjson::StringRef(name), value, allocator);
  };
  add("RelativeAccuracy", rapidjson::Value(kRelativeAccuracy));
  add("Count", rapidjson::Value(count_));
  add("Min", rapidjson::Value(min_));
  add("Max", rapidjson::Value(max_));
  add("Sum", rapidjson::Value(std::isnan(sum_) ? 0 : std::clamp(sum_, -DBL_MAX, DBL_MAX)));
  add("Underflow", rapidjson::Value(underflow_));
  add("Overflow", rapidjson::Value(overflow_));
  rapidjson::Value buckets(rapidjson::kArrayType);
  for (size_t k = 0; k < buckets_.size(); ++k) {
    if (buckets_[k] == 0) continue;
    rapidjson::Value pair(rapidjson::kArrayType);
    pair.PushBack(offset_ + static_cast<int>(k), allocator);
    pair.PushBack(rapidjson::Value(buckets_[k]), allocator);
    buckets.PushBack(pair, allocator);
  }
  add("Buckets", std::move(buckets));
}

LatencySketch LatencySketch::fromJson(const rapidjson::Value& json) {
  if (!json.IsObject()) {
    throw SketchError("expected a latency sketch object, got " + describe(json));
  }
  const rapidjson::Value& accuracy = member(json, "RelativeAccuracy", "0.005");
  if (!accuracy.IsNumber() || accuracy.GetDouble() != kRelativeAccuracy) {
    fail("RelativeAccuracy",
         str(kRelativeAccuracy) + " (sketches of other accuracies cannot be merged)", accuracy);
  }
  LatencySketch s;
  s.count_ = readCount(json, "Count");
  s.underflow_ = readCount(json, "Underflow");
  s.overflow_ = readCount(json, "Overflow");
  s.min_ = readNumber(json, "Min");
  s.max_ = readNumber(json, "Max");
  s.sum_ = readNumber(json, "Sum");
  const rapidjson::Value& buckets = member(json, "Buckets", "an array of [index, count] pairs");
  if (!buckets.IsArray()) fail("Buckets", "an array of [index, count] pairs", buckets);
  if (buckets.Size() > static_cast<unsigned>(kNumBuckets)) {
    fail("Buckets", "at most " + std::to_string(kNumBuckets) + " pairs", buckets);
  }

  const std::string countText = "Count (" + std::to_string(s.count_) + ")";
  if (s.underflow_ > s.count_ || s.overflow_ > s.count_ - s.underflow_) {
    throw SketchError("Underflow, Overflow: expected at most " + countText + " together, got " +
                      std::to_string(s.underflow_) + " and " + std::to_string(s.overflow_));
  }
  std::vector<std::pair<int, uint64_t>> pairs =
      readBucketPairs(buckets, s.count_, s.underflow_ + s.overflow_);

  if (s.count_ == 0) {
    if (s.min_ != 0) fail("Min", "0 as Count is 0", json["Min"]);
    if (s.max_ != 0) fail("Max", "0 as Count is 0", json["Max"]);
    if (s.sum_ != 0) fail("Sum", "0 as Count is 0", json["Sum"]);
    return s;
  }
  if (s.min_ > s.max_) fail("Min", "at most Max (" + str(s.max_) + ")", json["Min"]);
  const int first = pairs.empty() ? 0 : pairs.front().first;
  const int last = pairs.empty() ? 0 : pairs.back().first;
  checkEnd(json, "Min", "lowest", s.underflow_ > 0 ? -1 : pairs.empty() ? 1 : 0, first);
  checkEnd(json, "Max", "highest", s.overflow_ > 0 ? 1 : pairs.empty() ? -1 : 0, last);
  if (!pairs.empty()) {
    s.cover(pairs.front().first, pairs.back().first);
    for (const auto& [index, count] : pairs)
      s.buckets_[static_cast<size_t>(index - s.offset_)] = count;
  }
  return s;
}

}  // namespace iter8::fortio
