#include "host/report/verdict.h"

#include <cmath>

#include "host/analysis/analysis.h"

namespace iter8::report {
namespace {

ObjectiveRow rowOf(const analysis::Objective& o, size_t index, const analysis::Analysis& a,
                   const std::vector<std::string>& versions) {
  ObjectiveRow row;
  row.metric = o.metric;
  if (o.upper) row.upperLimit = o.upper->text, row.upperValue = o.upper->value;
  if (o.lower) row.lowerLimit = o.lower->text, row.lowerValue = o.lower->value;
  row.evaluated = o.builtin;
  for (const auto& v : versions) {
    ObjectiveCheck check;
    if (auto m = a.metrics.find(o.metric); m != a.metrics.end()) {
      if (auto e = m->second.find(v); e != m->second.end()) check.value = e->second.value;
    }
    auto assessed = a.assessments.data.find(v);
    check.pass = assessed != a.assessments.data.end() && index < assessed->second.size() &&
                 assessed->second[index];
    row.versions[v] = check;
  }
  return row;
}

// The version a go rests on: Canary the candidate, Conformance the baseline, A/B the winner.
std::string goVersion(const Verdict& v) {
  if (v.pattern == "Canary") return v.versions.size() > 1 ? v.versions[1] : "";
  if (v.pattern == "Conformance") return v.versions.front();
  return v.winner;
}

// With --confidence: the first inconclusive objective of a version the decision rests on (Canary
// the candidate, Conformance the baseline, A/B and A/B/N every version); "" when none.
std::string inconclusiveReason(const Verdict& v) {
  if (!v.confidence) return "";
  for (const auto& row : v.objectives) {
    for (size_t i = 0; i < v.versions.size(); ++i) {
      if ((v.pattern == "Canary" && i != 1) || (v.pattern == "Conformance" && i != 0)) continue;
      auto it = row.versions.find(v.versions[i]);
      if (it != row.versions.end() && it->second.inconclusive) {
        return "inconclusive: " + row.metric + " of " + v.versions[i] + " " +
               moreRequestsText(it->second);
      }
    }
  }
  return "";
}

}  // namespace

std::string moreRequestsText(const ObjectiveCheck& check) {
  if (check.moreRequests <= 0) return "straddles its limit; more requests needed";
  std::string text = "straddles its limit; about " + std::to_string(check.moreRequests) +
                     " more requests would likely decide";
  if (check.moreSeconds > 0) {
    text += " (~" + std::to_string(static_cast<int64_t>(std::ceil(check.moreSeconds))) +
            " s at the rate achieved)";
  }
  return text;
}

std::string limitText(const ObjectiveRow& row) {
  if (!row.upperLimit.empty() && !row.lowerLimit.empty()) {
    return row.lowerLimit + " .. " + row.upperLimit;
  }
  return row.upperLimit.empty() ? ">= " + row.lowerLimit : "<= " + row.upperLimit;
}

Verdict buildVerdict(const rapidjson::Value& experiment) {
  Verdict v;
  analysis::Analysis a;
  try {
    a = analysis::analyze(experiment);
  } catch (const std::exception& e) {  // CriteriaError, AnalysisError
    v.error = e.what();
    return v;
  }
  v.available = true;
  v.pattern = a.spec.patternText;
  v.versions = {a.spec.baseline};
  v.versions.insert(v.versions.end(), a.spec.candidates.begin(), a.spec.candidates.end());
  for (size_t i = 0; i < a.spec.criteria.objectives.size(); ++i) {
    v.objectives.push_back(rowOf(a.spec.criteria.objectives[i], i, a, v.versions));
  }
  v.winnerFound = a.winner.winnerFound;
  v.winner = a.winner.winner;
  if (a.winner.message) v.message = *a.winner.message;
  v.recommended = a.recommended;
  for (const auto& name : v.versions) {
    auto it = a.transportFailures.find(name);
    if (it != a.transportFailures.end() && it->second > 0) v.transportFailures[name] = it->second;
  }
  return v;
}

CheckResult checkVerdict(const Verdict& v) {
  if (!v.available) return {kCheckCannotAnalyse, "cannot analyse: " + v.error};
  const bool canaryGo = v.pattern != "Canary" || (v.winnerFound && v.winner == v.versions[1]);
  const bool go = v.winnerFound && canaryGo;
  const std::string goName = goVersion(v);
  if (auto it = v.transportFailures.find(goName); go && it != v.transportFailures.end()) {
    return {kCheckMisleading, "no go: " + goName + " wins by Iter8's rule, but " +
                                  std::to_string(it->second) +
                                  " of its requests got no HTTP response, which Iter8 counts "
                                  "as successes"};
  }
  if (std::string why = inconclusiveReason(v); !why.empty()) return {kCheckInconclusive, why};
  if (!canaryGo) {
    return {kCheckNoGo, "no go: the candidate " + v.versions[1] + " did not win" +
                            (v.winnerFound ? " (the baseline did)" : " (no version won)")};
  }
  if (v.pattern == "Conformance" && !v.winnerFound) {
    return {kCheckNoGo, "no go: the baseline " + v.versions[0] + " fails an objective"};
  }
  if (!v.winnerFound) return {kCheckNoGo, "no go: no winner"};
  return {kCheckGo,
          "go: " + goName + (v.pattern == "Conformance" ? " satisfies every objective" : " won")};
}

std::vector<std::string> verdictWarnings(const Verdict& v) {
  std::vector<std::string> out;
  for (const auto& [name, n] : v.transportFailures) {
    out.push_back("the controller counts " + std::to_string(n) + " failed requests of " + name +
                  " as successes (no HTTP response)");
  }
  return out;
}

}  // namespace iter8::report
