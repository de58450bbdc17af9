// --confidence (host/report/confidence.cpp) on hand-computed cases: Wilson's interval, the
// normal interval of the mean, the order-statistic interval of a percentile, "inconclusive"
// and how many more requests would decide; and report --check's code for it.
#include <gtest/gtest.h>

#include "host/report/verdict.h"
#include "lib/fortio/latency_sketch.h"
#include "lib/json.h"

namespace iter8::report {
namespace {

// A canary whose candidate v2 has `result` (JSON), under one objective (JSON).
rapidjson::Document experiment(const std::string& objective, const std::string& result) {
  return parseJson(
      R"({"spec": {"strategy": {"testingPattern": "Canary"}, "versionInfo": {"baseline":
      {"name": "v1"}, "candidates": [{"name": "v2"}]}, "criteria": {"objectives": [)" +
      objective + R"(]}}, "status": {"analysis": {"aggregatedBuiltinHists": {"data": {"v2": )" +
      result + "}}}}}");
}

ObjectiveCheck candidateCheck(const rapidjson::Document& doc, Verdict* out = nullptr) {
  Verdict v = buildVerdict(doc);
  applyConfidence(v, doc, 0.95);
  if (out) *out = v;
  return v.objectives.at(0).versions.at("v2");
}

TEST(Confidence, WilsonIntervalOfOneErrorInEight) {
  auto doc = experiment(R"({"metric": "iter8-system/error-rate", "upperLimit": "0.01"})",
                        R"({"DurationHistogram": {"Count": 8, "Max": 0.06, "Sum": 0.36,
                        "Data": [{"Start": 0.03, "End": 0.06, "Count": 8}]},
                        "RetCodes": {"200": 7, "503": 1}})");
  ObjectiveCheck c = candidateCheck(doc);
  ASSERT_TRUE(c.interval);
  EXPECT_NEAR(c.interval->low, 0.02242, 1e-4);  // by hand: 0.24666 -+ 0.22424
  EXPECT_NEAR(c.interval->high, 0.47089, 1e-4);
  EXPECT_FALSE(c.inconclusive);  // wholly above 0.01: a fail, whatever the sample
}

TEST(Confidence, MeanStraddlingItsLimitIsInconclusiveWithRequestsToDecide) {
  // mean 20 ms, StdDev 5 ms, 100 requests at 10 qps: 20 -+ 1.96 * 5 / 10 = [19.02, 20.98].
  auto doc = experiment(R"({"metric": "iter8-system/mean-latency", "upperLimit": "20.5"})",
                        R"({"ActualQPS": 10, "DurationHistogram": {"Count": 100, "Max": 0.03,
                        "Sum": 2, "StdDev": 0.005, "Data": [{"Start": 0.01, "End": 0.03,
                        "Count": 100}]}, "RetCodes": {"200": 100}})");
  Verdict v;
  ObjectiveCheck c = candidateCheck(doc, &v);
  ASSERT_TRUE(c.interval);
  EXPECT_NEAR(c.interval->low, 19.02, 1e-3);
  EXPECT_NEAR(c.interval->high, 20.98, 1e-3);
  EXPECT_TRUE(c.pass);  // Iter8's verdict is unchanged
  EXPECT_TRUE(c.inconclusive);
  // Half-width under 0.5 ms needs n > (1.96 * 5 / 0.5)^2 = 384.1: 285 more, 28.5 s at 10 qps.
  EXPECT_EQ(c.moreRequests, 285);
  EXPECT_NEAR(c.moreSeconds, 28.5, 1e-9);
  CheckResult check = checkVerdict(v);
  EXPECT_EQ(check.code, kCheckInconclusive);
  EXPECT_EQ(check.reason,
            "inconclusive: iter8-system/mean-latency of v2 straddles its limit; about 285 more "
            "requests would likely decide (~29 s at the rate achieved)");
}

TEST(Confidence, PercentileIntervalComesFromTheSketchRanks) {
  // 100 successes at 1, 2, ..., 100 ms: p50's ranks are floor(50 - 9.8) = 40 and
  // ceil(50 + 9.8) + 1 = 61, so [40, 61] ms within the sketch's 0.5 %.
  fortio::LatencySketch sketch;
  for (int ms = 1; ms <= 100; ++ms) sketch.record(ms / 1000.0);
  rapidjson::Document json(rapidjson::kObjectType);
  sketch.toJson(json, json.GetAllocator());
  auto doc = experiment(
      R"({"metric": "iter8-system/latency-50th-percentile", "upperLimit": 100})",
      R"({"DurationHistogram": {"Count": 100, "Max": 0.1, "Sum": 5.05, "Data": [{"Start": 0.001,
      "End": 0.1, "Count": 100}]}, "RetCodes": {"200": 100}, "LatencySketch": )" +
          toJson(json) + "}");
  ObjectiveCheck c = candidateCheck(doc);
  ASSERT_TRUE(c.interval);
  EXPECT_NEAR(c.interval->low, 40, 40 * 0.005);
  EXPECT_NEAR(c.interval->high, 61, 61 * 0.005);
  EXPECT_FALSE(c.inconclusive);
}

}  // namespace
}  // namespace iter8::report
