#include "host/analysis/criteria.h"

#include <algorithm>

#include "host/analysis/quantity.h"
#include "lib/go_json.h"
#include "lib/json.h"
#include "lib/suggest.h"

namespace iter8::analysis {
namespace {

constexpr const char* kBuiltinPrefix = "iter8-system/";

bool isBuiltin(const std::string& name) {
  const auto& names = builtinMetricNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string requiredString(const rapidjson::Value* v, const std::string& field) {
  if (v == nullptr || !v->IsString() || v->GetStringLength() == 0) {
    throw CriteriaError(
        field + ": expected a non-empty string" +
        (v == nullptr ? std::string(", found none") : ", found " + jsonTypeWithArticle(*v)));
  }
  return v->GetString();
}

// A metric name: builtins must be written as analytics matches them (exact string), so a
// builtin without its namespace, or an unknown iter8-system/ name, would never be evaluated.
std::string metricName(const rapidjson::Value& item, const std::string& field, bool& builtin) {
  std::string name = requiredString(findMember(item, "metric"), field + ".metric");
  builtin = isBuiltin(name);
  if (builtin) return name;
  std::vector<std::string> short_names;
  for (const auto& b : builtinMetricNames()) short_names.push_back(b.substr(13));
  // Bare ("mean-latency") or with the old analytics prefix ("builtin-metrics/mean-latency").
  const std::string suffix =
      name.substr(name.find('/') == std::string::npos ? 0 : name.find('/') + 1);
  const bool bare = (suffix == name || name.rfind("builtin-metrics/", 0) == 0) &&
                    std::find(short_names.begin(), short_names.end(), suffix) != short_names.end();
  if (bare || name.rfind(kBuiltinPrefix, 0) == 0) {
    std::string hint = bare ? std::string(" (did you mean `") + kBuiltinPrefix + suffix + "`?)"
                            : didYouMean(name, builtinMetricNames());
    throw CriteriaError(field + ".metric '" + name + "': not a builtin metric" + hint +
                        "; builtins are iter8-system/request-count, error-count, error-rate, "
                        "mean-latency and latency-{50,75,90,95,99}th-percentile");
  }
  return name;  // a Metric of the cluster (Prometheus, ...): not evaluated offline
}

std::optional<Limit> limitAt(const rapidjson::Value& item, const char* key,
                             const std::string& field) {
  const rapidjson::Value* v = findMember(item, key);
  if (v == nullptr || v->IsNull()) return std::nullopt;
  std::string text;
  if (v->IsString()) {
    text = v->GetString();
  } else if (v->IsNumber()) {
    // An unquoted fraction is not an int-or-string for the CRD; offline it is read as the
    // number it is (docs/decisions.md).
    text = v->IsInt64() ? std::to_string(v->GetInt64()) : pythonFloatRepr(v->GetDouble());
  }
  std::optional<Quantity> q = text.empty() ? std::nullopt : parseQuantity(text);
  if (!q || q->negative) {
    throw CriteriaError(
        field + "." + key + " " +
        (v->IsString() || v->IsNumber() ? "'" + toJson(*v) + "'" : jsonTypeWithArticle(*v)) +
        ": expected a non-negative number or quantity such as 50 or \"10m\"");
  }
  return Limit{text, q->value};
}

Objective objectiveAt(const rapidjson::Value& item, const std::string& field, bool blueGreen) {
  if (!item.IsObject()) throw CriteriaError(field + ": expected an object");
  Objective o;
  o.metric = metricName(item, field, o.builtin);
  o.upper = limitAt(item, "upperLimit", field);
  o.lower = limitAt(item, "lowerLimit", field);
  if (!o.upper && !o.lower) {
    throw CriteriaError(field + " (" + o.metric + "): expected upperLimit or lowerLimit");
  }
  const rapidjson::Value* rollback = findMember(item, "rollbackOnFailure");
  o.rollbackOnFailure = rollback != nullptr && rollback->IsBool() ? rollback->GetBool() : blueGreen;
  return o;
}

Criteria criteriaOf(const rapidjson::Value& experiment, bool blueGreen) {
  Criteria c;
  const rapidjson::Value* criteria = findPath(experiment, {"spec", "criteria"});
  if (criteria == nullptr || criteria->IsNull()) return c;
  if (!criteria->IsObject()) throw CriteriaError("spec.criteria: expected an object");
  c.present = true;
  if (const rapidjson::Value* list = findMember(*criteria, "objectives");
      list != nullptr && !list->IsNull()) {
    if (!list->IsArray()) throw CriteriaError("spec.criteria.objectives: expected a list");
    c.objectivesPresent = true;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      c.objectives.push_back(objectiveAt(
          (*list)[i], "spec.criteria.objectives[" + std::to_string(i) + "]", blueGreen));
    }
  }
  const rapidjson::Value* rewards = findMember(*criteria, "rewards");
  if (rewards != nullptr && rewards->IsArray() && !rewards->Empty()) {
    const rapidjson::Value& r = (*rewards)[0];
    Reward reward;
    reward.metric = metricName(r, "spec.criteria.rewards[0]", reward.builtin);
    std::string direction = requiredString(findMember(r, "preferredDirection"),
                                           "spec.criteria.rewards[0].preferredDirection");
    if (direction != "High" && direction != "Low") {
      throw CriteriaError("spec.criteria.rewards[0].preferredDirection '" + direction +
                          "': expected High or Low");
    }
    reward.higherIsBetter = direction == "High";
    c.reward = reward;
  }
  if (rewards != nullptr && rewards->IsArray() && rewards->Size() > 1) {
    throw CriteriaError("spec.criteria.rewards: expected at most one reward, found " +
                        std::to_string(rewards->Size()));
  }
  return c;
}

// etc3's candidatesMatchStrategy and validNumberOfRewards.
void checkShape(const ExperimentSpec& s) {
  const size_t n = s.candidates.size();
  const bool rewarded = s.criteria.reward.has_value();
  auto fail = [&](const std::string& field, const std::string& expected) {
    throw CriteriaError(field + ": a " + s.patternText + " experiment expects " + expected);
  };
  if (s.pattern == Pattern::kConformance && n != 0) fail("spec.versionInfo.candidates", "none");
  if ((s.pattern == Pattern::kCanary || s.pattern == Pattern::kAB) && n != 1) {
    fail("spec.versionInfo.candidates", "exactly one");
  }
  if (s.pattern == Pattern::kABN && n < 1) fail("spec.versionInfo.candidates", "at least one");
  if ((s.pattern == Pattern::kConformance || s.pattern == Pattern::kCanary) && rewarded) {
    fail("spec.criteria.rewards", "no reward");
  }
  if ((s.pattern == Pattern::kAB || s.pattern == Pattern::kABN) && !rewarded) {
    fail("spec.criteria.rewards", "exactly one reward");
  }
}

}  // namespace

const std::vector<std::string>& builtinMetricNames() {
  static const std::vector<std::string> kNames = {"iter8-system/request-count",
                                                  "iter8-system/error-count",
                                                  "iter8-system/error-rate",
                                                  "iter8-system/mean-latency",
                                                  "iter8-system/latency-50th-percentile",
                                                  "iter8-system/latency-75th-percentile",
                                                  "iter8-system/latency-90th-percentile",
                                                  "iter8-system/latency-95th-percentile",
                                                  "iter8-system/latency-99th-percentile"};
  return kNames;
}

ExperimentSpec readExperimentSpec(const rapidjson::Value& experiment) {
  ExperimentSpec s;
  const rapidjson::Value* pattern = findPath(experiment, {"spec", "strategy", "testingPattern"});
  s.patternText = requiredString(pattern, "spec.strategy.testingPattern");
  if (s.patternText == "Canary") {
    s.pattern = Pattern::kCanary;
  } else if (s.patternText == "Conformance") {
    s.pattern = Pattern::kConformance;
  } else if (s.patternText == "A/B") {
    s.pattern = Pattern::kAB;
  } else if (s.patternText == "A/B/N") {
    s.pattern = Pattern::kABN;
  } else {
    throw CriteriaError("spec.strategy.testingPattern '" + s.patternText + "'" +
                        didYouMean(s.patternText, {"Canary", "Conformance", "A/B", "A/B/N"}) +
                        ": expected Canary, Conformance, A/B or A/B/N");
  }
  s.baseline = requiredString(findPath(experiment, {"spec", "versionInfo", "baseline", "name"}),
                              "spec.versionInfo.baseline.name");
  if (const rapidjson::Value* list = findPath(experiment, {"spec", "versionInfo", "candidates"});
      list != nullptr && list->IsArray()) {
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      s.candidates.push_back(
          requiredString(findMember((*list)[i], "name"),
                         "spec.versionInfo.candidates[" + std::to_string(i) + "].name"));
    }
  }
  const rapidjson::Value* deployment =
      findPath(experiment, {"spec", "strategy", "deploymentPattern"});
  const bool blueGreen = deployment != nullptr && deployment->IsString() &&
                         deployment->GetString() == std::string("BlueGreen");
  s.criteria = criteriaOf(experiment, blueGreen);
  checkShape(s);
  return s;
}

}  // namespace iter8::analysis
