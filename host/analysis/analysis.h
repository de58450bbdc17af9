// Iter8 v2alpha2's analysis of the builtin metrics, offline: what the controller and its
// analytics service would store in status.analysis (aggregatedMetrics, versionAssessments,
// winnerAssessment) and status.versionRecommendedForPromotion from the same
// aggregatedBuiltinHists, rule for rule and bit for bit (docs/decisions.md, "The verdict").
// Weights are not computed: they steer a cluster's traffic, and analytics rounds them with an
// unseeded generator.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "host/analysis/criteria.h"

namespace iter8::analysis {

// What etc3 stamps as provenance: its analytics endpoint, $ITER8_ANALYTICS_ENDPOINT, which
// Iter8's install sets to this URL. Offline the same value, so readers see the same bytes.
inline constexpr const char* kDefaultProvenance =
    "http://iter8-analytics.iter8-system:8080/v2/analytics_results";

// One metric value of one version: the double analytics computes with, and how it is stored.
struct MetricValue {
  double value = 0;
  bool integer = false;        // request-count and error-count: JSON integers in analytics' reply
  std::string stored() const;  // the Kubernetes quantity etc3 writes ("27325311666n", "10")
};

// metric -> version -> value; a version without an entry has no key (analytics' "absent").
using MetricTable = std::map<std::string, std::map<std::string, MetricValue>>;

struct WinnerAssessment {
  bool winnerFound = false;
  std::string winner;                     // "" when none
  std::vector<std::string> bestVersions;  // analytics computes it; etc3 drops it
  std::optional<std::string> message;     // absent when analytics sets none
};

struct VersionAssessments {
  std::map<std::string, std::vector<bool>> data;  // one per objective, in objective order
  std::optional<std::string> message;
};

struct Analysis {
  ExperimentSpec spec;
  bool hasHists = false;  // status.analysis.aggregatedBuiltinHists exists
  MetricTable metrics;    // the nine builtins (all keys when hasHists), nothing else
  std::string metricsMessage = "Error: ; Warning: ; Info: ";
  VersionAssessments assessments;
  WinnerAssessment winner;
  std::string recommended;  // status.versionRecommendedForPromotion
  bool rollback = false;    // etc3 would roll back: recommended kept from the previous analysis
  // Requests without an HTTP response (code < 100, e.g. Fortio's -1) per version: Iter8 counts
  // them as successes and their durations in the latency.
  std::map<std::string, int64_t> transportFailures;
};

class AnalysisError : public std::runtime_error {  // malformed aggregatedBuiltinHists
 public:
  using std::runtime_error::runtime_error;
};

// The builtin metrics of every version in aggregatedBuiltinHists.data (pseudo versions too).
// Throws AnalysisError naming the field where analytics would fail (HTTP 500).
MetricTable builtinMetrics(const rapidjson::Value& hists);

// The whole analysis. Throws CriteriaError (bad spec) or AnalysisError (bad histograms).
Analysis analyze(const rapidjson::Value& experiment);

// The merge patch of `status` that stores `analysis` as etc3 would: each of the three analysis
// objects replaced whole (members the old one had and the new one lacks become null), and
// versionRecommendedForPromotion. `timestamp` is RFC 3339, seconds; `provenance` what etc3
// would stamp (kDefaultProvenance unless ITER8_ANALYTICS_ENDPOINT says otherwise).
rapidjson::Document statusPatch(const rapidjson::Value& experiment, const Analysis& analysis,
                                const std::string& timestamp,
                                const std::string& provenance = kDefaultProvenance);

// "Error: e1, e2; Warning: w1; Info: i1" (api/utils.py : Message.join_messages).
struct Messages {
  std::vector<std::string> errors, warnings, infos;
  std::string joined() const;
};

}  // namespace iter8::analysis
