#include "host/report/report_model.h"

#include <algorithm>
#include <cstdio>

#include "host/report/version_latency.h"
#include "iter8/experiment.hpp"
#include "lib/fortio/histogram.h"
#include "lib/json.h"

namespace iter8::report {
namespace {

using fortio::HistogramData;

std::string stringAt(const rapidjson::Value& root, std::initializer_list<std::string_view> keys) {
  const rapidjson::Value* v = findPath(root, keys);
  return v != nullptr && v->IsString() ? v->GetString() : "";
}

bool isOkCode(int code) {  // as metrics/collect (Fortio): 2xx and 418
  return (code >= 200 && code < 300) || code == 418;
}

// The successful responses' histogram: all responses minus the errors, bucket by bucket. Both
// use the same bucket grid, so every error bucket lies inside one bucket of the whole (the one
// whose end is the first at or past its end); only the outer ends (Min, Max) differ.
HistogramData successHistogram(const HistogramData& all, const HistogramData& errors) {
  HistogramData ok;
  std::vector<fortio::Bucket> buckets = all.data;
  for (const auto& e : errors.data) {
    auto it = std::find_if(buckets.begin(), buckets.end(),
                           [&](const fortio::Bucket& b) { return b.end >= e.end * (1 - 1e-12); });
    if (it == buckets.end()) it = buckets.end() - 1;
    it->count -= std::min(it->count, e.count);
  }
  int64_t total = 0;
  for (const auto& b : buckets) total += b.count;
  ok.count = total;
  ok.sum = all.sum - errors.sum;
  ok.avg = total > 0 ? ok.sum / static_cast<double>(total) : 0;
  int64_t running = 0;
  for (const auto& b : buckets) {
    if (b.count == 0) continue;
    fortio::Bucket copy = b;
    running += b.count;
    copy.percent = 100.0 * static_cast<double>(running) / static_cast<double>(total);
    ok.data.push_back(copy);
  }
  if (!ok.data.empty()) {
    ok.min = ok.data.front().start;
    ok.max = ok.data.back().end;
  }
  return ok;
}

// The Go handler's histograms: {Count, Max, Sum, Data}, with the buckets of every loop appended
// (their Percent restarting each time). Same buckets are added up and percents recomputed.
HistogramData goHandlerHistogram(const rapidjson::Value& json) {
  HistogramData h;
  h.count = integerOr(findMember(json, "Count"));
  h.max = numberOr(findMember(json, "Max"));
  h.sum = numberOr(findMember(json, "Sum"));
  h.avg = h.count > 0 ? h.sum / static_cast<double>(h.count) : 0;
  std::map<std::pair<double, double>, int64_t> buckets;
  if (const rapidjson::Value* data = findMember(json, "Data"); data && data->IsArray()) {
    for (const auto& b : data->GetArray()) {
      buckets[{numberOr(findMember(b, "Start")), numberOr(findMember(b, "End"))}] +=
          integerOr(findMember(b, "Count"));
    }
  }
  int64_t total = 0, running = 0;
  for (const auto& [range, n] : buckets) total += n;
  for (const auto& [range, n] : buckets) {
    if (n <= 0) continue;
    running += n;
    h.data.push_back({range.first, range.second,
                      100.0 * static_cast<double>(running) / static_cast<double>(total), n});
  }
  if (!h.data.empty()) h.min = h.data.front().start;
  return h;
}

HistogramData histogramAt(const rapidjson::Value& result, const char* key,
                          const std::string& where) {
  const rapidjson::Value* json = findMember(result, key);
  if (json == nullptr || json->IsNull()) return {};
  if (json->IsObject() && findMember(*json, "Min") == nullptr) return goHandlerHistogram(*json);
  try {
    return fortio::histogramDataFromJson(*json);
  } catch (const std::exception& e) {
    throw ReportError(where + "." + key + ": " + e.what());
  }
}

// Exact percentiles recorded by the last run, when they hold samples.
std::optional<std::map<double, double>> exactPercentiles(const rapidjson::Value& result) {
  const rapidjson::Value* exact = findMember(result, "ExactPercentiles");
  if (exact == nullptr || integerOr(findMember(*exact, "Count")) == 0) return std::nullopt;
  const rapidjson::Value* list = findMember(*exact, "Percentiles");
  if (list == nullptr || !list->IsArray()) return std::nullopt;
  std::map<double, double> values;
  for (const auto& p : list->GetArray()) {
    values[numberOr(findMember(p, "Percentile"))] = numberOr(findMember(p, "Value"));
  }
  return values;
}

// The request and error counts and rates of one version's result. The Go handler's results
// (`goHandler`) have no error histogram: their errors are counted from RetCodes.
void countRequests(VersionFigures& v, const rapidjson::Value& result, const HistogramData& all,
                   const HistogramData& errors, bool goHandler) {
  v.requests = all.count;
  v.errors = errors.count;
  if (goHandler) {
    if (const rapidjson::Value* codes = findMember(result, "RetCodes");
        codes != nullptr && codes->IsObject()) {
      for (const auto& m : codes->GetObject()) {
        if (!isOkCode(std::atoi(m.name.GetString()))) v.errors += integerOr(&m.value);
      }
    }
  }
  v.successes = std::max<int64_t>(0, all.count - v.errors);
  v.errorRatePercent =
      all.count > 0 ? 100.0 * static_cast<double>(v.errors) / static_cast<double>(all.count) : 0;
  v.actualQps = numberOr(findMember(result, "ActualQPS"));
  const rapidjson::Value* runs = findMember(result, "Runs");
  v.runs = runs != nullptr ? integerOr(runs) : 1;
}

// The reasons of the errors: ErrorReasons, then HTTP codes from RetCodes, then what neither
// explains.
void collectErrorReasons(VersionFigures& v, const rapidjson::Value& result) {
  if (const rapidjson::Value* reasons = findMember(result, "ErrorReasons");
      reasons != nullptr && reasons->IsObject()) {
    for (const auto& m : reasons->GetObject())
      v.errorReasons[m.name.GetString()] += integerOr(&m.value);
  }
  const rapidjson::Value* codes = findMember(result, "RetCodes");
  if (codes == nullptr || !codes->IsObject()) return;
  int64_t unexplained = 0;
  for (const auto& m : codes->GetObject()) {
    int code = std::atoi(m.name.GetString());
    if (code < 0)
      unexplained += integerOr(&m.value);
    else if (!isOkCode(code))
      v.errorReasons["HTTP " + std::string(m.name.GetString())] += integerOr(&m.value);
  }
  // Results of handlers before ErrorReasons existed: say the reason is unknown.
  int64_t explained = 0;
  for (const auto& [reason, n] : v.errorReasons) {
    if (reason.rfind("HTTP ", 0) != 0) explained += n;
  }
  if (unexplained > explained) v.errorReasons["unknown transport error"] += unexplained - explained;
}

// Mean, percentiles and histogram of the successful responses (`ok`): percentiles of every
// run from the latency sketch; for results written before the sketch existed, the last run's
// exact percentiles, else interpolated from the histogram.
void latencyFigures(VersionFigures& v, const rapidjson::Value& result, const HistogramData& ok,
                    bool goHandler, const std::string& where) {
  for (const auto& b : ok.data) v.histogram.push_back({b.start * 1e3, b.end * 1e3, b.count});
  if (v.successes > 0) v.meanMs = ok.avg * 1e3;
  if (readLatencySketch(result, where, v)) return;
  auto exact = exactPercentiles(result);
  if (exact) {
    v.percentileSource = v.runs > 1 ? PercentileSource::kExactLastRun : PercentileSource::kExact;
    v.percentileRuns = 1;
    for (double p : reportPercentiles()) {
      auto it = exact->find(p);
      v.percentilesMs.push_back(it == exact->end() ? std::nullopt
                                                   : std::optional<double>(it->second * 1e3));
    }
  } else if (ok.count > 0) {
    v.percentileSource = goHandler && v.errors > 0 ? PercentileSource::kHistogramWithFailures
                                                   : PercentileSource::kHistogram;
    v.percentileRuns = v.runs;
    for (double p : reportPercentiles()) v.percentilesMs.push_back(ok.calcPercentile(p) * 1e3);
  } else {
    v.percentilesMs.assign(reportPercentiles().size(), std::nullopt);
  }
}

VersionFigures figuresOf(const std::string& name, const rapidjson::Value& result) {
  std::string where = "status.analysis.aggregatedBuiltinHists.data." + name;
  if (!result.IsObject()) throw ReportError(where + " is not an object");
  VersionFigures v;
  v.name = name;
  v.measured = true;
  HistogramData all = histogramAt(result, "DurationHistogram", where);
  HistogramData errors = histogramAt(result, "ErrorsDurationHistogram", where);
  // Written by the Go handler: no error histogram, so failures cannot be told apart from
  // successes in the latency; the error count comes from RetCodes.
  const bool goHandler = findMember(result, "ErrorsDurationHistogram") == nullptr;
  countRequests(v, result, all, errors, goHandler);
  collectErrorReasons(v, result);
  readInterruptions(result, v);
  latencyFigures(v, result, successHistogram(all, errors), goHandler, where);
  return v;
}

Difference differenceOf(std::optional<double> candidate, std::optional<double> baseline) {
  Difference d;
  if (!candidate || !baseline) return d;
  d.absolute = *candidate - *baseline;
  if (*baseline != 0) d.percent = 100.0 * (*candidate - *baseline) / *baseline;
  return d;
}

// The experiment's name, stage, outcome and conditions, and when its results were collected.
Report outcomeOf(const rapidjson::Value& experiment) {
  Report r;
  r.name = stringAt(experiment, {"metadata", "name"});
  r.ns = stringAt(experiment, {"metadata", "namespace"});
  r.stage = stringAt(experiment, {"status", "stage"});
  r.recommendedVersion = stringAt(experiment, {"status", "versionRecommendedForPromotion"});
  const rapidjson::Value* winnerData =
      findPath(experiment, {"status", "analysis", "winnerAssessment", "data"});
  if (winnerData != nullptr) {
    r.winner = stringAt(*winnerData, {"winner"});
    const rapidjson::Value* found = findMember(*winnerData, "winnerFound");
    if (found != nullptr && found->IsBool()) r.winnerFound = found->GetBool();
  }
  if (const rapidjson::Value* conditions = findPath(experiment, {"status", "conditions"});
      conditions != nullptr && conditions->IsArray()) {
    for (const auto& c : conditions->GetArray()) {
      r.conditions.push_back({stringAt(c, {"type"}), stringAt(c, {"status"}),
                              stringAt(c, {"reason"}), stringAt(c, {"message"})});
    }
  }
  r.collectedAt =
      stringAt(experiment, {"status", "analysis", "aggregatedBuiltinHists", "timestamp"});
  return r;
}

// spec.versionInfo.baseline when it is an object, else nullptr.
const rapidjson::Value* baselineOf(const rapidjson::Value& experiment) {
  const rapidjson::Value* baseline = findPath(experiment, {"spec", "versionInfo", "baseline"});
  return baseline != nullptr && baseline->IsObject() ? baseline : nullptr;
}

// Declared versions first, in versionInfo order, then pseudo versions (measured, `data`'s
// other members) in status order. The declared ones are read as plugins read them
// (iter8/experiment.hpp: metrics/collect records the same versions); unnamed ones are left out.
std::vector<std::pair<std::string, Role>> versionsInOrder(const rapidjson::Value& experiment,
                                                          const rapidjson::Value* data) {
  std::vector<std::pair<std::string, Role>> order;
  const rapidjson::Value* baseline = baselineOf(experiment);
  for (const rapidjson::Value* version : sdk::versionsOf(experiment)) {
    const std::string name(sdk::versionName(*version));
    if (!name.empty()) {
      order.emplace_back(name, version == baseline ? Role::kBaseline : Role::kCandidate);
    }
  }
  if (data != nullptr) {
    for (const auto& m : data->GetObject()) {
      std::string name = m.name.GetString();
      bool known =
          std::any_of(order.begin(), order.end(), [&](const auto& o) { return o.first == name; });
      if (!known) order.emplace_back(name, Role::kPseudo);
    }
  }
  return order;
}

// Each measured candidate's difference from the measured baseline; none without one.
std::vector<Comparison> comparisonsOf(const std::vector<VersionFigures>& versions) {
  const VersionFigures* base = nullptr;
  for (const auto& v : versions) {
    if (v.role == Role::kBaseline && v.measured) base = &v;
  }
  std::vector<Comparison> comparisons;
  if (base == nullptr) return comparisons;
  for (const auto& v : versions) {
    if (v.role != Role::kCandidate || !v.measured) continue;
    Comparison c;
    c.version = v.name;
    c.meanMs = differenceOf(v.meanMs, base->meanMs);
    for (size_t i = 0; i < reportPercentiles().size(); ++i) {
      c.percentilesMs.push_back(differenceOf(v.percentilesMs[i], base->percentilesMs[i]));
    }
    c.errorRate = differenceOf(v.errorRatePercent, base->errorRatePercent);
    c.actualQps = differenceOf(v.actualQps, base->actualQps);
    comparisons.push_back(std::move(c));
  }
  return comparisons;
}

}  // namespace

const std::vector<double>& reportPercentiles() {
  static const std::vector<double> ps{50, 90, 95, 99, 99.9};
  return ps;
}

std::string percentileLabel(double p) {
  char text[16];
  std::snprintf(text, sizeof text, "p%g", p);
  return text;
}

Report buildReport(const rapidjson::Value& experiment) {
  Report r = outcomeOf(experiment);
  const rapidjson::Value* baseline = baselineOf(experiment);
  r.baseline = baseline != nullptr ? std::string(sdk::versionName(*baseline)) : "";
  const rapidjson::Value* data =
      findPath(experiment, {"status", "analysis", "aggregatedBuiltinHists", "data"});
  if (data != nullptr && !data->IsObject()) {
    throw ReportError("status.analysis.aggregatedBuiltinHists.data is " +
                      jsonTypeWithArticle(*data) + "; expected an object of versions");
  }
  for (const auto& [name, role] : versionsInOrder(experiment, data)) {
    const rapidjson::Value* result = data ? findMember(*data, name) : nullptr;
    VersionFigures v = result ? figuresOf(name, *result) : VersionFigures{};
    v.name = name;
    v.role = role;
    if (!result) v.percentilesMs.assign(reportPercentiles().size(), std::nullopt);
    r.versions.push_back(std::move(v));
  }
  r.comparisons = comparisonsOf(r.versions);
  r.verdict = buildVerdict(experiment);
  return r;
}

}  // namespace iter8::report
