#include "host/source/crd_status_fields.h"

#include <string_view>

namespace iter8 {
namespace {

// Our reading of the status schema of the Experiment CRD (iter8-tools/etc3, v2alpha2).
// tests/crd_status_fields_test.cpp compares it with the CRD itself where the reference copy is
// beside the checkout, so the two cannot drift apart unnoticed.
const char* const kKeptPatterns[] = {
    "analysis.aggregatedBuiltinHists.data.**",
    "analysis.aggregatedBuiltinHists.message",
    "analysis.aggregatedBuiltinHists.provenance",
    "analysis.aggregatedBuiltinHists.timestamp",
    "analysis.aggregatedMetrics.data.*.data.*.max",
    "analysis.aggregatedMetrics.data.*.data.*.min",
    "analysis.aggregatedMetrics.data.*.data.*.sampleSize",
    "analysis.aggregatedMetrics.data.*.data.*.value",
    "analysis.aggregatedMetrics.data.*.max",
    "analysis.aggregatedMetrics.data.*.min",
    "analysis.aggregatedMetrics.message",
    "analysis.aggregatedMetrics.provenance",
    "analysis.aggregatedMetrics.timestamp",
    "analysis.versionAssessments.data.*.[]",
    "analysis.versionAssessments.message",
    "analysis.versionAssessments.provenance",
    "analysis.versionAssessments.timestamp",
    "analysis.weights.data.[].name",
    "analysis.weights.data.[].value",
    "analysis.weights.message",
    "analysis.weights.provenance",
    "analysis.weights.timestamp",
    "analysis.winnerAssessment.data.winner",
    "analysis.winnerAssessment.data.winnerFound",
    "analysis.winnerAssessment.message",
    "analysis.winnerAssessment.provenance",
    "analysis.winnerAssessment.timestamp",
    "completedIterations",
    "conditions.[].lastTransitionTime",
    "conditions.[].message",
    "conditions.[].reason",
    "conditions.[].status",
    "conditions.[].type",
    "currentWeightDistribution.[].name",
    "currentWeightDistribution.[].value",
    "initTime",
    "lastUpdateTime",
    "message",
    "metrics.[].metricObj.apiVersion",
    "metrics.[].metricObj.kind",
    // An object without properties that is not an embedded resource: kept, but empty.
    "metrics.[].metricObj.metadata",
    "metrics.[].metricObj.spec.authType",
    "metrics.[].metricObj.spec.body",
    "metrics.[].metricObj.spec.description",
    "metrics.[].metricObj.spec.headerTemplates.[].name",
    "metrics.[].metricObj.spec.headerTemplates.[].value",
    "metrics.[].metricObj.spec.jqExpression",
    "metrics.[].metricObj.spec.method",
    "metrics.[].metricObj.spec.mock.[].level",
    "metrics.[].metricObj.spec.mock.[].name",
    "metrics.[].metricObj.spec.params.[].name",
    "metrics.[].metricObj.spec.params.[].value",
    "metrics.[].metricObj.spec.provider",
    "metrics.[].metricObj.spec.sampleSize",
    "metrics.[].metricObj.spec.secret",
    "metrics.[].metricObj.spec.type",
    "metrics.[].metricObj.spec.units",
    "metrics.[].metricObj.spec.urlTemplate",
    "metrics.[].name",
    "stage",
    "startTime",
    "versionRecommendedForPromotion",
};

constexpr std::string_view kItems = "[]";

std::vector<std::string> segmentsOf(std::string_view pattern) {
  std::vector<std::string> segments;
  size_t start = 0;
  for (size_t dot = pattern.find('.'); dot != std::string_view::npos;
       start = dot + 1, dot = pattern.find('.', start)) {
    segments.emplace_back(pattern.substr(start, dot - start));
  }
  segments.emplace_back(pattern.substr(start));
  return segments;
}

const std::vector<std::vector<std::string>>& keptPaths() {
  static const std::vector<std::vector<std::string>> paths = [] {
    std::vector<std::vector<std::string>> all;
    for (const char* pattern : kKeptPatterns) all.push_back(segmentsOf(pattern));
    return all;
  }();
  return paths;
}

enum class Kept { kNo, kYes, kAllBelow };

// Whether the field at `path` (keys, and kItems for a list's items) is declared: it matches
// the start of some pattern; kAllBelow when a `**` covers it.
Kept keptAt(const std::vector<std::string_view>& path) {
  Kept best = Kept::kNo;
  for (const auto& pattern : keptPaths()) {
    size_t i = 0;
    for (; i < path.size() && i < pattern.size(); ++i) {
      const std::string& want = pattern[i];
      if (want == "**") return Kept::kAllBelow;
      const bool itemMatch = (want == kItems) == (path[i] == kItems);
      if (!itemMatch || (want != "*" && want != kItems && want != path[i])) break;
    }
    if (i == path.size()) {
      if (i < pattern.size() && pattern[i] == "**") return Kept::kAllBelow;
      best = Kept::kYes;
    }
  }
  return best;
}

void collectDropped(const rapidjson::Value& value, std::vector<std::string_view>& path,
                    const std::string& shown, std::vector<std::string>& dropped) {
  auto visit = [&](const rapidjson::Value& child, std::string_view segment,
                   const std::string& childShown) {
    if (child.IsNull()) return;  // a deletion in a merge patch
    path.push_back(segment);
    const Kept kept = keptAt(path);
    if (kept == Kept::kNo) {
      dropped.push_back(childShown);
    } else if (kept == Kept::kYes) {
      collectDropped(child, path, childShown, dropped);
    }
    path.pop_back();
  };
  if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      const std::string_view key(member.name.GetString(), member.name.GetStringLength());
      visit(member.value, key, shown + "." + std::string(key));
    }
  } else if (value.IsArray()) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      visit(value[i], kItems, shown + "[" + std::to_string(i) + "]");
    }
  }
}

}  // namespace

const std::vector<std::string>& keptStatusFieldPatterns() {
  static const std::vector<std::string> patterns(std::begin(kKeptPatterns),
                                                 std::end(kKeptPatterns));
  return patterns;
}

std::vector<std::string> statusFieldsACrdDrops(const rapidjson::Value& statusPatch) {
  std::vector<std::string> dropped;
  std::vector<std::string_view> path;
  collectDropped(statusPatch, path, "status", dropped);
  return dropped;
}

}  // namespace iter8
