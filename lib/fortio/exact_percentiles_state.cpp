// ExactPercentiles' state as JSON (state, fromState): how a shard hands its store to the
// coordinator, which merges the stores exactly (docs/scale.md#exact-percentiles-over-shards).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "lib/base64.h"
#include "lib/fortio/exact_percentiles.h"

namespace iter8::fortio {

rapidjson::Value ExactPercentiles::state(size_t maxSamples,
                                         rapidjson::Value::AllocatorType& allocator) const {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("Count", rapidjson::Value(static_cast<int64_t>(count_)), allocator);
  out.AddMember("Min", min_, allocator);
  out.AddMember("Max", max_, allocator);
  if (exact() && samples_.size() <= maxSamples) {
    // The float bits themselves, little-endian whatever the machine: no decimal rounding.
    std::string bytes(samples_.size() * 4, '\0');
    for (size_t i = 0; i < samples_.size(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, &samples_[i], 4);
      for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
    }
    out.AddMember("Samples", rapidjson::Value(encodeBase64(bytes), allocator), allocator);
    return out;
  }
  std::vector<int64_t> buckets = logBuckets_;
  if (exact()) {  // too many samples to ship: their buckets, as switchToHistogram() makes them
    buckets.assign(kNumLogBuckets, 0);
    for (float sample : samples_) ++buckets[static_cast<size_t>(logBucketIndex(sample))];
  }
  rapidjson::Value list(rapidjson::kArrayType);
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i] == 0) continue;
    rapidjson::Value pair(rapidjson::kArrayType);
    pair.PushBack(static_cast<int64_t>(i), allocator);
    pair.PushBack(buckets[i], allocator);
    list.PushBack(pair, allocator);
  }
  out.AddMember("Buckets", list, allocator);
  return out;
}

ExactPercentiles ExactPercentiles::fromState(const rapidjson::Value& state, size_t sampleLimit) {
  auto bad = [](const std::string& what) {
    return std::runtime_error("ExactPercentilesState: " + what);
  };
  if (!state.IsObject()) throw bad("not an object");
  auto number = [&](const char* name) -> const rapidjson::Value& {
    auto it = state.FindMember(name);
    if (it == state.MemberEnd() || !it->value.IsNumber() || !std::isfinite(it->value.GetDouble()))
      throw bad(std::string("'") + name + "' is missing or not a number");
    return it->value;
  };
  const rapidjson::Value& count = number("Count");
  if (!count.IsInt64() || count.GetInt64() < 0) throw bad("'Count' is not a count");
  ExactPercentiles store(sampleLimit);
  store.count_ = count.GetInt64();
  store.min_ = number("Min").GetDouble();
  store.max_ = number("Max").GetDouble();
  if (store.count_ > 0 && store.min_ > store.max_) throw bad("'Min' is above 'Max'");
  auto samples = state.FindMember("Samples");
  auto buckets = state.FindMember("Buckets");
  if (samples != state.MemberEnd()) {
    const std::optional<std::string> bytes =
        samples->value.IsString() ? decodeBase64(samples->value.GetString()) : std::nullopt;
    if (!bytes || bytes->size() % 4 != 0 ||
        static_cast<int64_t>(bytes->size() / 4) != store.count_) {
      throw bad("'Samples' is not base64 of 'Count' float32 values");
    }
    const size_t n = bytes->size() / 4;
    if (n > sampleLimit) {
      store.logBuckets_.assign(kNumLogBuckets, 0);
    } else {
      store.samples_.reserve(n);
    }
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits = 0;
      for (int b = 0; b < 4; ++b) {
        bits |= static_cast<uint32_t>(static_cast<unsigned char>((*bytes)[i * 4 + b])) << (8 * b);
      }
      float sample;
      std::memcpy(&sample, &bits, 4);
      if (n > sampleLimit) {
        store.recordInHistogram(sample);
      } else {
        store.samples_.push_back(sample);
      }
    }
    store.sorted_ = n == 0;
    return store;
  }
  if (buckets == state.MemberEnd() || !buckets->value.IsArray()) {
    throw bad("neither 'Samples' nor 'Buckets'");
  }
  store.logBuckets_.assign(kNumLogBuckets, 0);
  int64_t total = 0;
  for (const auto& pair : buckets->value.GetArray()) {
    if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsInt64() || !pair[1].IsInt64() ||
        pair[0].GetInt64() < 0 || pair[0].GetInt64() >= kNumLogBuckets || pair[1].GetInt64() < 0 ||
        pair[1].GetInt64() > std::numeric_limits<int64_t>::max() - total) {
      throw bad("'Buckets' holds an entry that is not [index below " +
                std::to_string(kNumLogBuckets) + ", count]");
    }
    store.logBuckets_[static_cast<size_t>(pair[0].GetInt64())] += pair[1].GetInt64();
    total += pair[1].GetInt64();
  }
  if (total != store.count_) throw bad("'Buckets' do not add up to 'Count'");
  return store;
}

}  // namespace iter8::fortio
