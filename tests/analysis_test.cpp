// Iter8's analysis of the builtin metrics (host/analysis/), against the worked example of
// ../shared/reference/iter8-analytics.md §10 (doubles, stored quantities, assessments, winner)
// and hand-computed cases.
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "host/analysis/analysis.h"
#include "host/analysis/quantity.h"
#include "host/analysis/sampled_percentiles.h"
#include "lib/json.h"

namespace iter8::analysis {
namespace {

// The worked example's histograms (§10), as the collect task stores them.
constexpr const char* kExampleHists = R"({
 "v1": {"DurationHistogram": {"Count": 10, "Max": 0.045, "Sum": 0.3, "Data": [
          {"Start": 0.021, "End": 0.025, "Count": 4}, {"Start": 0.025, "End": 0.03, "Count": 3},
          {"Start": 0.03, "End": 0.045, "Count": 3}]}, "RetCodes": {"200": 10}},
 "v2": {"DurationHistogram": {"Count": 8, "Max": 0.06, "Sum": 0.36, "Data": [
          {"Start": 0.028, "End": 0.03, "Count": 2}, {"Start": 0.03, "End": 0.04, "Count": 2},
          {"Start": 0.04, "End": 0.05, "Count": 2}, {"Start": 0.05, "End": 0.06, "Count": 2}]},
        "RetCodes": {"200": 7, "503": 1}}})";

constexpr const char* kExampleObjectives =
    R"([{"metric": "iter8-system/mean-latency", "upperLimit": 50},
        {"metric": "iter8-system/error-rate", "upperLimit": "0.01"}])";

// An experiment: pattern, candidates, criteria (JSON text) and the histograms' data.
std::string experimentText(const std::string& pattern, const std::string& candidates,
                           const std::string& criteria, const std::string& hists) {
  std::string text = R"({"spec": {"strategy": {"testingPattern": ")" + pattern +
                     R"("}, "versionInfo": {"baseline": {"name": "v1"}, "candidates": [)" +
                     candidates + "]}";
  if (!criteria.empty()) text += R"(, "criteria": )" + criteria;
  text += "}";
  if (!hists.empty()) {
    text +=
        R"(, "status": {"analysis": {"aggregatedBuiltinHists": {"provenance": "Builtin metrics collector", "data": )" +
        hists + "}}}";
  }
  return text + "}";
}

Analysis analyzeText(const std::string& text) {
  return analyze(parseJson(text));
}

Analysis workedExample() {
  return analyzeText(experimentText("Canary", R"({"name": "v2"})",
                                    std::string(R"({"objectives": )") + kExampleObjectives + "}",
                                    kExampleHists));
}

std::string repr(const Analysis& a, const std::string& metric, const std::string& version) {
  return pythonFloatRepr(a.metrics.at(metric).at(version).value);
}

TEST(AnalysisWorkedExample, DoublesAreAnalyticsOwnBitForBit) {
  Analysis a = workedExample();
  EXPECT_EQ(repr(a, "iter8-system/request-count", "v1"), "10.0");
  EXPECT_EQ(repr(a, "iter8-system/error-count", "v2"), "1.0");
  EXPECT_EQ(repr(a, "iter8-system/error-rate", "v2"), "0.125");
  EXPECT_EQ(repr(a, "iter8-system/mean-latency", "v1"), "30.0");
  EXPECT_EQ(repr(a, "iter8-system/mean-latency", "v2"), "45.0");
  EXPECT_EQ(repr(a, "iter8-system/latency-50th-percentile", "v1"), "27.325311665834313");
  EXPECT_EQ(repr(a, "iter8-system/latency-75th-percentile", "v1"), "33.363590000676794");
  EXPECT_EQ(repr(a, "iter8-system/latency-90th-percentile", "v1"), "40.700131409707936");
  EXPECT_EQ(repr(a, "iter8-system/latency-95th-percentile", "v1"), "42.36123801633701");
  EXPECT_EQ(repr(a, "iter8-system/latency-99th-percentile", "v1"), "44.40933604049278");
  EXPECT_EQ(repr(a, "iter8-system/latency-50th-percentile", "v2"), "39.58569715338504");
  EXPECT_EQ(repr(a, "iter8-system/latency-75th-percentile", "v2"), "49.9221169648359");
  EXPECT_EQ(repr(a, "iter8-system/latency-90th-percentile", "v2"), "57.20897976969459");
  EXPECT_EQ(repr(a, "iter8-system/latency-95th-percentile", "v2"), "58.592006247313094");
  EXPECT_EQ(repr(a, "iter8-system/latency-99th-percentile", "v2"), "59.24137920014702");
}

TEST(AnalysisWorkedExample, VerdictIsBaselineWinsAsTheController) {
  Analysis a = workedExample();
  EXPECT_EQ(a.assessments.data.at("v1"), (std::vector<bool>{true, true}));
  EXPECT_EQ(a.assessments.data.at("v2"), (std::vector<bool>{true, false}));
  EXPECT_EQ(*a.assessments.message, "Error: ; Warning: ; Info: ");
  EXPECT_TRUE(a.winner.winnerFound);
  EXPECT_EQ(a.winner.winner, "v1");
  EXPECT_EQ(*a.winner.message,
            "Error: ; Warning: ; Info: baseline satisfies all objectives; candidate does not");
  EXPECT_EQ(a.recommended, "v1");
}

TEST(AnalysisWorkedExample, StoredStatusIsTheControllersByteForByte) {
  Analysis a = workedExample();
  rapidjson::Document patch = statusPatch(parseJson("{}"), a, "2021-07-01T12:00:30Z");
  const rapidjson::Value& analysis = patch["analysis"];
  // The reference's stored winnerAssessment, P being etc3's default analytics endpoint.
  EXPECT_EQ(toJson(analysis["winnerAssessment"]),
            R"({"provenance":"http://iter8-analytics.iter8-system:8080/v2/analytics_results",)"
            R"("timestamp":"2021-07-01T12:00:30Z","message":"Error: ; Warning: ; Info: baseline )"
            R"(satisfies all objectives; candidate does not","data":{"winnerFound":true,)"
            R"("winner":"v1"}})");
  EXPECT_EQ(toJson(analysis["versionAssessments"]["data"]),
            R"({"v1":[true,true],"v2":[true,false]})");
  EXPECT_EQ(toJson(analysis["aggregatedMetrics"]["data"]["iter8-system/latency-50th-percentile"]),
            R"({"data":{"v1":{"value":"27325311666n"},"v2":{"value":"39585697154n"}}})");
  EXPECT_EQ(toJson(patch["versionRecommendedForPromotion"]), R"("v1")");
}

// The reference's stored aggregatedMetrics lines, read in place, against ours (spaces aside).
TEST(AnalysisWorkedExample, EveryStoredMetricLineOfTheReferenceMatches) {
  std::ifstream in(ITER8_SHARED_DIR "/reference/iter8-analytics.md");
  if (!in) GTEST_SKIP() << "../shared/reference/iter8-analytics.md is absent";
  std::stringstream text;
  text << in.rdbuf();
  Analysis a = workedExample();
  rapidjson::Document patch = statusPatch(parseJson("{}"), a, "t");
  const rapidjson::Value& data = patch["analysis"]["aggregatedMetrics"]["data"];
  std::regex line(R"re("(iter8-system/[a-z0-9-]+)": (\{"data": \{"v1".*?\}\}\}))re");
  int matched = 0;
  std::string s = text.str();
  for (std::sregex_iterator it(s.begin(), s.end(), line), end; it != end; ++it) {
    std::string expected = (*it)[2];
    expected.erase(std::remove(expected.begin(), expected.end(), ' '), expected.end());
    ASSERT_TRUE(data.HasMember((*it)[1].str().c_str())) << (*it)[1];
    EXPECT_EQ(toJson(data[(*it)[1].str().c_str()]), expected) << (*it)[1];
    ++matched;
  }
  EXPECT_EQ(matched, 9);
}

TEST(Quantity, StoresValuesAsApimachineryCanonicalises) {
  EXPECT_EQ(floatQuantity(0.0), "0");
  EXPECT_EQ(integerQuantity(0), "0");
  EXPECT_EQ(integerQuantity(10), "10");
  EXPECT_EQ(integerQuantity(1000), "1k");
  EXPECT_EQ(integerQuantity(1500), "1500");
  EXPECT_EQ(floatQuantity(45.0), "45");
  EXPECT_EQ(floatQuantity(0.125), "125m");
  EXPECT_EQ(floatQuantity(27.325311665834313), "27325311666n");
  EXPECT_EQ(floatQuantity(1e-05), "10e-6");      // Python "1e-05": DecimalExponent
  EXPECT_EQ(floatQuantity(1.5e-05), "1.5e-05");  // kept verbatim by the fast path
  EXPECT_EQ(parseQuantity("4.830965910")->canonical, "4.830965910");
  EXPECT_EQ(parseQuantity("0.01")->canonical, "10m");
  EXPECT_EQ(parseQuantity("10m")->value, 0.01);
  EXPECT_EQ(parseQuantity("0.0000000015")->canonical, "2n");  // rounded up to 1e-9
  EXPECT_FALSE(parseQuantity("fast").has_value());
  EXPECT_FALSE(parseQuantity("5 ms").has_value());
}

TEST(PythonRepr, MatchesPython) {
  EXPECT_EQ(pythonFloatRepr(30.0), "30.0");
  EXPECT_EQ(pythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(pythonFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(pythonFloatRepr(1e16), "1e+16");
  EXPECT_EQ(pythonFloatRepr(123456789012345.6), "123456789012345.6");
  EXPECT_EQ(pythonFloatRepr(0.1 + 0.2), "0.30000000000000004");
}

TEST(SampledPercentiles, NothingWithoutPositiveBuckets) {
  EXPECT_FALSE(sampledPercentiles({}).has_value());
  EXPECT_FALSE(sampledPercentiles({{0.01, 0.02, 0}}).has_value());
}

}  // namespace
}  // namespace iter8::analysis
