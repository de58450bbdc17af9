#include "host/analysis/analysis.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "host/analysis/quantity.h"
#include "host/analysis/sampled_percentiles.h"
#include "lib/json.h"

namespace iter8::analysis {
namespace {

const std::string& metric(size_t i) {
  return builtinMetricNames()[i];
}

const rapidjson::Value& member(const rapidjson::Value& object, const char* key,
                               const std::string& where) {
  const rapidjson::Value* v = findMember(object, key);
  if (v == nullptr || v->IsNull()) throw AnalysisError(where + "." + key + ": missing");
  return *v;
}

double numberAt(const rapidjson::Value& object, const char* key, const std::string& where) {
  const rapidjson::Value& v = member(object, key, where);
  if (!v.IsNumber()) throw AnalysisError(where + "." + key + ": expected a number");
  return v.GetDouble();
}

int64_t integerAt(const rapidjson::Value& object, const char* key, const std::string& where) {
  const rapidjson::Value& v = member(object, key, where);
  if (!v.IsInt64()) throw AnalysisError(where + "." + key + ": expected an integer");
  return v.GetInt64();
}

// Σ RetCodes[k] for int(k) >= 400 (errors), and for k < 100 (no HTTP response at all).
std::pair<int64_t, int64_t> errorCounts(const rapidjson::Value& codes, const std::string& where) {
  if (!codes.IsObject()) throw AnalysisError(where + ": expected an object");
  int64_t errors = 0, transport = 0;
  for (const auto& m : codes.GetObject()) {
    const char* key = m.name.GetString();
    char* end = nullptr;
    const long code = std::strtol(key, &end, 10);
    if (*key == '\0' || *end != '\0' || !m.value.IsInt64()) {
      throw AnalysisError(where + "." + key + ": expected an integer code with an integer count");
    }
    if (code >= 400) errors += m.value.GetInt64();
    if (code < 100) transport += m.value.GetInt64();
  }
  return {errors, transport};
}

// populate_builtins_for_version: counts always; rates, mean and percentiles when C > 0.
void addVersion(MetricTable& table, const std::string& version, const rapidjson::Value& result,
                const std::string& where) {
  const rapidjson::Value& hist = member(result, "DurationHistogram", where);
  const std::string hw = where + ".DurationHistogram";
  const int64_t count = integerAt(hist, "Count", hw);
  const double sum = numberAt(hist, "Sum", hw);
  numberAt(hist, "Max", hw);  // required by analytics' model, unused
  const rapidjson::Value& data = member(hist, "Data", hw);
  if (!data.IsArray()) throw AnalysisError(hw + ".Data: expected a list");
  const int64_t errors = errorCounts(member(result, "RetCodes", where), where + ".RetCodes").first;
  table[metric(0)][version] = {static_cast<double>(count), true};
  table[metric(1)][version] = {static_cast<double>(errors), true};
  if (count == 0) return;
  table[metric(2)][version] = {static_cast<double>(errors) / static_cast<double>(count)};
  table[metric(3)][version] = {1000.0 * sum / static_cast<double>(count)};
  std::vector<DurationBucket> buckets;
  for (rapidjson::SizeType i = 0; i < data.Size(); ++i) {
    const std::string bw = hw + ".Data[" + std::to_string(i) + "]";
    buckets.push_back({numberAt(data[i], "Start", bw), numberAt(data[i], "End", bw),
                       integerAt(data[i], "Count", bw)});
  }
  if (auto p = sampledPercentiles(buckets)) {
    for (size_t q = 0; q < p->size(); ++q) table[metric(4 + q)][version] = {(*p)[q]};
  }
}

std::vector<std::string> versionsOf(const ExperimentSpec& spec) {
  std::vector<std::string> v{spec.baseline};
  v.insert(v.end(), spec.candidates.begin(), spec.candidates.end());
  return v;
}

bool withinLimits(const Objective& o, double value) {
  if (o.upper && value > o.upper->value) return false;
  if (o.lower && value < o.lower->value) return false;
  return true;
}

// get_version_assessments: objective by objective, version by version.
VersionAssessments assess(const ExperimentSpec& spec, const MetricTable& metrics) {
  VersionAssessments out;
  if (!spec.criteria.present || !spec.criteria.objectivesPresent) return out;
  const std::vector<std::string> versions = versionsOf(spec);
  for (const auto& v : versions) out.data[v].assign(spec.criteria.objectives.size(), false);
  Messages messages;
  for (size_t i = 0; i < spec.criteria.objectives.size(); ++i) {
    const Objective& o = spec.criteria.objectives[i];
    auto m = metrics.find(o.metric);
    if (m == metrics.end()) {
      messages.warnings.push_back("Aggregated metric object for " + o.metric +
                                  " metric is unavailable.");
      continue;
    }
    for (const auto& v : versions) {
      auto entry = m->second.find(v);
      if (entry == m->second.end()) {
        messages.warnings.push_back("Value for " + o.metric + " metric and " + v +
                                    " version is unavailable.");
      } else {
        out.data[v][i] = withinLimits(o, entry->second.value);
      }
    }
  }
  out.message = messages.joined();
  return out;
}

std::vector<std::string> feasible(const VersionAssessments& a,
                                  const std::vector<std::string>& versions) {
  std::vector<std::string> out;
  for (const auto& v : versions) {
    auto it = a.data.find(v);
    const bool ok = a.data.empty() ||
                    (it != a.data.end() &&
                     std::all_of(it->second.begin(), it->second.end(), [](bool b) { return b; }));
    if (ok) out.push_back(v);
  }
  return out;
}

WinnerAssessment winnerOf(const std::string& version, const std::string& info) {
  WinnerAssessment w;
  w.winnerFound = true;
  w.winner = version;
  w.bestVersions = {version};
  Messages m;
  m.infos.push_back(info);
  w.message = m.joined();
  return w;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// get_winner_assessment_for_abn: the best feasible reward; a tie is no winner.
WinnerAssessment winnerForAbn(const ExperimentSpec& spec, const std::vector<std::string>& ok,
                              const MetricTable& metrics) {
  WinnerAssessment w;
  Messages messages;
  const Reward& reward = *spec.criteria.reward;
  auto m = metrics.find(reward.metric);
  if (m == metrics.end()) {
    messages.warnings.push_back("reward metric values are not available");
    w.message = messages.joined();
    return w;
  }
  double top = reward.higherIsBetter ? -std::numeric_limits<double>::infinity()
                                     : std::numeric_limits<double>::infinity();
  if (ok.empty()) messages.infos.push_back("no version satisfies all objectives");
  for (const auto& v : ok) {
    auto entry = m->second.find(v);
    if (entry == m->second.end()) {
      messages.warnings.push_back("reward value for feasible version " + v + " is not available");
      continue;
    }
    const double value = entry->second.value;
    if (value == top) {
      w.bestVersions.push_back(v);
    } else if (reward.higherIsBetter ? value > top : value < top) {
      top = value;
      w.bestVersions = {v};
    }
  }
  if (w.bestVersions.size() == 1) {
    w.winnerFound = true;
    w.winner = w.bestVersions[0];
    messages.infos.push_back("found unique winner");
  } else if (w.bestVersions.size() > 1) {
    messages.infos.push_back(
        "no unique winner; two or more feasible versions with same reward value");
  }
  w.message = messages.joined();
  return w;
}

WinnerAssessment assessWinner(const ExperimentSpec& spec, const VersionAssessments& a,
                              const MetricTable& metrics) {
  const std::vector<std::string> ok = feasible(a, versionsOf(spec));
  switch (spec.pattern) {
    case Pattern::kConformance:
      if (contains(ok, spec.baseline))
        return winnerOf(spec.baseline, "baseline satisfies all objectives");
      return {};
    case Pattern::kCanary:
      if (contains(ok, spec.candidates[0])) {
        return winnerOf(spec.candidates[0], "candidate satisfies all objectives");
      }
      if (contains(ok, spec.baseline)) {
        return winnerOf(spec.baseline, "baseline satisfies all objectives; candidate does not");
      }
      return {};
    default:
      return winnerForAbn(spec, ok, metrics);
  }
}

// SetVersionRecommendedForPromotion from the winner assessment in `status` (the previous one).
std::string previousRecommendation(const rapidjson::Value& experiment,
                                   const std::string& baseline) {
  const rapidjson::Value* data =
      findPath(experiment, {"status", "analysis", "winnerAssessment", "data"});
  const rapidjson::Value* found = data ? findMember(*data, "winnerFound") : nullptr;
  const rapidjson::Value* winner = data ? findMember(*data, "winner") : nullptr;
  if (found && found->IsBool() && found->GetBool() && winner && winner->IsString()) {
    return winner->GetString();
  }
  return baseline;
}

// etc3's mustRollback: an objective with rollbackOnFailure is false for some version.
bool mustRollback(const ExperimentSpec& spec, const VersionAssessments& a) {
  for (const auto& [version, checks] : a.data) {
    for (size_t i = 0; i < checks.size() && i < spec.criteria.objectives.size(); ++i) {
      if (!checks[i] && spec.criteria.objectives[i].rollbackOnFailure) return true;
    }
  }
  return false;
}

}  // namespace

std::string MetricValue::stored() const {
  return integer ? integerQuantity(static_cast<int64_t>(value)) : floatQuantity(value);
}

std::string Messages::joined() const {
  auto join = [](const std::vector<std::string>& list) {
    std::string s;
    for (const auto& item : list) s += (s.empty() ? "" : ", ") + item;
    return s;
  };
  return "Error: " + join(errors) + "; Warning: " + join(warnings) + "; Info: " + join(infos);
}

MetricTable builtinMetrics(const rapidjson::Value& hists) {
  MetricTable table;
  for (const auto& name : builtinMetricNames()) table[name];
  const std::string where = "status.analysis.aggregatedBuiltinHists.data";
  const rapidjson::Value& data = member(hists, "data", "status.analysis.aggregatedBuiltinHists");
  if (!data.IsObject()) throw AnalysisError(where + ": expected an object");
  for (const auto& m : data.GetObject()) {
    const std::string version = m.name.GetString();
    if (!m.value.IsObject()) throw AnalysisError(where + "." + version + ": expected an object");
    addVersion(table, version, m.value, where + "." + version);
  }
  return table;
}

Analysis analyze(const rapidjson::Value& experiment) {
  Analysis a;
  a.spec = readExperimentSpec(experiment);
  const rapidjson::Value* hists =
      findPath(experiment, {"status", "analysis", "aggregatedBuiltinHists"});
  a.hasHists = hists != nullptr && !hists->IsNull();
  if (a.hasHists) {
    a.metrics = builtinMetrics(*hists);
    for (const auto& m : member(*hists, "data", "").GetObject()) {
      const rapidjson::Value* codes = findMember(m.value, "RetCodes");
      a.transportFailures[m.name.GetString()] = errorCounts(*codes, "").second;
    }
  }
  a.assessments = assess(a.spec, a.metrics);
  a.winner = assessWinner(a.spec, a.assessments, a.metrics);
  a.rollback = mustRollback(a.spec, a.assessments);
  a.recommended = a.rollback             ? previousRecommendation(experiment, a.spec.baseline)
                  : a.winner.winnerFound ? a.winner.winner
                                         : a.spec.baseline;
  return a;
}

}  // namespace iter8::analysis
