// Fortio's HistogramData as JSON, member for member, so results written by the Go handler
// (Fortio's encoding/json output) and by us read and compare the same.
#include <cmath>

#include "lib/fortio/histogram.h"
#include "lib/json.h"

namespace iter8::fortio {
namespace {

using Allocator = rapidjson::Value::AllocatorType;

void add(rapidjson::Value& object, const char* name, rapidjson::Value value, Allocator& allocator) {
  object.AddMember(rapidjson::StringRef(name), value, allocator);
}

const rapidjson::Value& requireMember(const rapidjson::Value& object, const char* name,
                                      const std::string& where) {
  const rapidjson::Value* member = findMember(object, name);
  if (member == nullptr) throw HistogramJsonError(where + " has no member " + name);
  return *member;
}

double readDouble(const rapidjson::Value& object, const char* name, const std::string& where) {
  const rapidjson::Value& v = requireMember(object, name, where);
  if (!v.IsNumber()) {
    throw HistogramJsonError(where + "." + name + " must be a number, not " + jsonTypeName(v));
  }
  return v.GetDouble();
}

int64_t readCount(const rapidjson::Value& object, const char* name, const std::string& where) {
  const rapidjson::Value& v = requireMember(object, name, where);
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsDouble() && v.GetDouble() == std::trunc(v.GetDouble()) &&
      std::fabs(v.GetDouble()) < 9e18) {
    return static_cast<int64_t>(v.GetDouble());
  }
  throw HistogramJsonError(where + "." + name + " must be an integer");
}

// Data and Percentiles: an array, or missing/null for none (Go's nil slice).
const rapidjson::Value* optionalArray(const rapidjson::Value& object, const char* name,
                                      const std::string& where) {
  const rapidjson::Value* v = findMember(object, name);
  if (v == nullptr || v->IsNull()) return nullptr;
  if (!v->IsArray()) {
    throw HistogramJsonError(where + "." + name + " must be an array, not " + jsonTypeName(*v));
  }
  return v;
}

}  // namespace

// Go prints an integral float64 without a fraction ("20"), RapidJSON as "20.0": store those
// as integers. Other values use RapidJSON's shortest round-trip digits, which match Go's
// (both fixed notation from 1e-6 up to 1e21). JSON has no NaN/Inf: they become null.
rapidjson::Value goJsonNumber(double v) {
  rapidjson::Value out;
  if (!std::isfinite(v)) return out;
  if (v == std::trunc(v) && std::fabs(v) < 9e18) {
    out.SetInt64(static_cast<int64_t>(v));
  } else {
    out.SetDouble(v);
  }
  return out;
}

rapidjson::Value histogramDataToJson(const HistogramData& data, Allocator& allocator) {
  rapidjson::Value out(rapidjson::kObjectType);
  add(out, "Count", rapidjson::Value(static_cast<int64_t>(data.count)), allocator);
  add(out, "Min", goJsonNumber(data.min), allocator);
  add(out, "Max", goJsonNumber(data.max), allocator);
  add(out, "Sum", goJsonNumber(data.sum), allocator);
  add(out, "Avg", goJsonNumber(data.avg), allocator);
  add(out, "StdDev", goJsonNumber(data.stdDev), allocator);
  rapidjson::Value buckets(rapidjson::kArrayType);
  buckets.Reserve(static_cast<rapidjson::SizeType>(data.data.size()), allocator);
  for (const Bucket& b : data.data) {
    rapidjson::Value bucket(rapidjson::kObjectType);
    add(bucket, "Start", goJsonNumber(b.start), allocator);
    add(bucket, "End", goJsonNumber(b.end), allocator);
    add(bucket, "Percent", goJsonNumber(b.percent), allocator);
    add(bucket, "Count", rapidjson::Value(static_cast<int64_t>(b.count)), allocator);
    buckets.PushBack(bucket, allocator);
  }
  add(out, "Data", std::move(buckets), allocator);
  rapidjson::Value percentiles;  // null when none, as Fortio 1.11 wrote
  if (!data.percentiles.empty()) {
    percentiles.SetArray();
    for (const Percentile& p : data.percentiles) {
      rapidjson::Value entry(rapidjson::kObjectType);
      add(entry, "Percentile", goJsonNumber(p.percentile), allocator);
      add(entry, "Value", goJsonNumber(p.value), allocator);
      percentiles.PushBack(entry, allocator);
    }
  }
  add(out, "Percentiles", std::move(percentiles), allocator);
  return out;
}

HistogramData histogramDataFromJson(const rapidjson::Value& json) {
  const std::string where = "histogram";
  if (!json.IsObject()) {
    throw HistogramJsonError(where + " must be an object, not " + jsonTypeName(json));
  }
  HistogramData data;
  data.count = readCount(json, "Count", where);
  data.min = readDouble(json, "Min", where);
  data.max = readDouble(json, "Max", where);
  data.sum = readDouble(json, "Sum", where);
  data.avg = readDouble(json, "Avg", where);
  data.stdDev = readDouble(json, "StdDev", where);
  if (const rapidjson::Value* buckets = optionalArray(json, "Data", where)) {
    data.data.reserve(buckets->Size());
    for (rapidjson::SizeType i = 0; i < buckets->Size(); ++i) {
      const rapidjson::Value& b = (*buckets)[i];
      std::string at = where + ".Data[" + std::to_string(i) + "]";
      if (!b.IsObject()) throw HistogramJsonError(at + " must be an object");
      data.data.push_back({readDouble(b, "Start", at), readDouble(b, "End", at),
                           readDouble(b, "Percent", at), readCount(b, "Count", at)});
    }
  }
  if (const rapidjson::Value* percentiles = optionalArray(json, "Percentiles", where)) {
    for (rapidjson::SizeType i = 0; i < percentiles->Size(); ++i) {
      const rapidjson::Value& p = (*percentiles)[i];
      std::string at = where + ".Percentiles[" + std::to_string(i) + "]";
      if (!p.IsObject()) throw HistogramJsonError(at + " must be an object");
      data.percentiles.push_back({readDouble(p, "Percentile", at), readDouble(p, "Value", at)});
    }
  }
  return data;
}

}  // namespace iter8::fortio
