// --confidence: beyond Iter8, an interval for each objective's value, and "inconclusive" when it
// straddles the limit. error-rate: Wilson score interval on Iter8's counts; mean-latency: the
// normal interval from the recorded moments (Count, Sum, StdDev); percentiles: the
// distribution-free order-statistic interval (binomial ranks, normal approximation) read from
// the whole experiment's latency sketch. Counts are exact: no interval.
#include <algorithm>
#include <cmath>
#include <functional>

#include "host/report/verdict.h"
#include "lib/fortio/latency_sketch.h"
#include "lib/json.h"

namespace iter8::report {
namespace {

// The two-sided standard normal quantile z with P(|Z| <= z) = level, by bisection on erf.
double zFor(double level) {
  double lo = 0, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erf(mid / std::sqrt(2.0)) < level ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

Interval wilson(double errors, double n, double z) {
  const double p = errors / n, z2 = z * z;
  const double denom = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
  // At p = 0 (or 1) the bound is exactly 0 (or 1); the formula leaves rounding noise there.
  return {errors == 0 ? 0.0 : std::max(0.0, center - half),
          errors == n ? 1.0 : std::min(1.0, center + half)};
}

struct VersionData {
  double n = 0, errors = 0, meanMs = 0, sdMs = -1, qps = 0;
  std::optional<fortio::LatencySketch> sketch;
};

VersionData dataOf(const rapidjson::Value& result) {
  VersionData d;
  const rapidjson::Value* hist = findMember(result, "DurationHistogram");
  auto num = [](const rapidjson::Value* o, const char* k) {
    return numberOr(o ? findMember(*o, k) : nullptr, -1.0);
  };
  d.n = std::max(0.0, num(hist, "Count"));
  if (d.n > 0) d.meanMs = 1000.0 * num(hist, "Sum") / d.n;
  if (num(hist, "StdDev") >= 0) d.sdMs = 1000.0 * num(hist, "StdDev");
  d.qps = std::max(0.0, num(&result, "ActualQPS"));
  if (const rapidjson::Value* codes = findMember(result, "RetCodes"); codes && codes->IsObject()) {
    for (const auto& m : codes->GetObject()) {
      if (std::atoi(m.name.GetString()) >= 400 && m.value.IsNumber())
        d.errors += m.value.GetDouble();
    }
  }
  if (const rapidjson::Value* s = findMember(result, "LatencySketch"); s && s->IsObject()) {
    try {
      d.sketch = fortio::LatencySketch::fromJson(*s);
    } catch (const std::exception&) {  // the report's figures already say it is malformed
    }
  }
  return d;
}

// The interval of `metric` after `n` requests with the same estimates; nothing for counts.
std::optional<Interval> intervalAt(const std::string& metric, const VersionData& d, double n,
                                   double z) {
  if (n <= 0) return std::nullopt;
  if (metric == "iter8-system/error-rate") return wilson(d.errors / d.n * n, n, z);
  if (metric == "iter8-system/mean-latency") {
    if (d.sdMs < 0) return std::nullopt;
    const double half = z * d.sdMs / std::sqrt(n);
    return Interval{d.meanMs - half, d.meanMs + half};
  }
  const std::string prefix = "iter8-system/latency-";
  if (metric.rfind(prefix, 0) != 0 || !d.sketch || d.sketch->empty()) return std::nullopt;
  const double p = std::atof(metric.c_str() + prefix.size()) / 100.0;
  const double count = static_cast<double>(d.sketch->count());
  const double half = z * std::sqrt(count * p * (1 - p));
  const double low = std::clamp(std::floor(count * p - half), 1.0, count);
  const double high = std::clamp(std::ceil(count * p + half) + 1, 1.0, count);
  // Rank r is the percentile 100 (r - 0.5) / count (nearest rank: ceil gives r back).
  return Interval{1000.0 * d.sketch->percentile(100.0 * (low - 0.5) / count),
                  1000.0 * d.sketch->percentile(100.0 * (high - 0.5) / count)};
}

bool straddles(const ObjectiveRow& row, const Interval& i, double upper, double lower) {
  const bool hasUpper = !row.upperLimit.empty(), hasLower = !row.lowerLimit.empty();
  return (hasUpper && i.low <= upper && i.high > upper) ||
         (hasLower && i.low < lower && i.high >= lower);
}

// The requests that would make the interval clear the limits (same estimates), by doubling
// then bisection; 0 when not computable (percentiles: the sketch does not grow) or past 1e9.
int64_t requestsNeeded(const ObjectiveRow& row, const VersionData& d, double z, double upper,
                       double lower) {
  if (row.metric.rfind("iter8-system/latency-", 0) == 0) return 0;
  auto undecided = [&](double n) {
    auto i = intervalAt(row.metric, d, n, z);
    return i && straddles(row, *i, upper, lower);
  };
  double lo = d.n, hi = d.n * 2;
  while (undecided(hi)) {
    if (hi > 1e9) return 0;
    lo = hi;
    hi *= 2;
  }
  for (int k = 0; k < 60 && hi - lo > 1; ++k)
    ((undecided((lo + hi) / 2)) ? lo : hi) = (lo + hi) / 2;
  return static_cast<int64_t>(std::ceil(hi));
}

}  // namespace

void applyConfidence(Verdict& verdict, const rapidjson::Value& experiment, double level) {
  verdict.confidence = level;
  const double z = zFor(level);
  const rapidjson::Value* data =
      findPath(experiment, {"status", "analysis", "aggregatedBuiltinHists", "data"});
  for (ObjectiveRow& row : verdict.objectives) {
    if (!row.evaluated) continue;
    const double upper = row.upperValue, lower = row.lowerValue;
    for (auto& [name, check] : row.versions) {
      const rapidjson::Value* result = data ? findMember(*data, name) : nullptr;
      if (result == nullptr || !check.value) continue;
      VersionData d = dataOf(*result);
      check.interval = intervalAt(row.metric, d, d.n, z);
      if (!check.interval) continue;
      check.inconclusive = straddles(row, *check.interval, upper, lower);
      if (!check.inconclusive) continue;
      const int64_t needed = requestsNeeded(row, d, z, upper, lower);
      check.moreRequests = needed > d.n ? needed - static_cast<int64_t>(d.n) : 0;
      if (d.qps > 0) check.moreSeconds = static_cast<double>(check.moreRequests) / d.qps;
    }
  }
}

}  // namespace iter8::report
