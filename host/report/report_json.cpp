#include <cmath>

#include "host/report/report_render.h"
#include "lib/json.h"

namespace iter8::report {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

// Three decimals (microseconds when in ms): stable text for scripts and diff-able CI output.
rapidjson::Value rounded(double v) {
  return rapidjson::Value(std::round(v * 1000) / 1000);
}

rapidjson::Value optionalNumber(const std::optional<double>& v) {
  return v ? rounded(*v) : rapidjson::Value(rapidjson::kNullType);
}

rapidjson::Value text(const std::string& s, Allocator& a) {
  return rapidjson::Value(s, a);
}

rapidjson::Value optionalText(const std::string& s, Allocator& a) {
  return s.empty() ? rapidjson::Value(rapidjson::kNullType) : text(s, a);
}

rapidjson::Value differenceJson(const Difference& d, Allocator& a) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("absolute", optionalNumber(d.absolute), a);
  out.AddMember("percent", optionalNumber(d.percent), a);
  return out;
}

rapidjson::Value versionJson(const VersionFigures& v, Allocator& a) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("name", text(v.name, a), a);
  out.AddMember("role", text(roleText(v.role), a), a);
  out.AddMember("measured", v.measured, a);
  out.AddMember("requests", v.requests, a);
  out.AddMember("actualQps", rounded(v.actualQps), a);
  out.AddMember("runs", v.runs, a);
  out.AddMember("successes", v.successes, a);
  out.AddMember("errors", v.errors, a);
  out.AddMember("errorRatePercent", rounded(v.errorRatePercent), a);
  rapidjson::Value reasons(rapidjson::kObjectType);
  for (const auto& [reason, n] : v.errorReasons)
    reasons.AddMember(text(reason, a), rapidjson::Value(static_cast<int64_t>(n)), a);
  out.AddMember("errorReasons", reasons, a);
  rapidjson::Value latency(rapidjson::kObjectType);
  latency.AddMember("mean", optionalNumber(v.meanMs), a);
  for (size_t i = 0; i < reportPercentiles().size(); ++i) {
    latency.AddMember(text(percentileLabel(reportPercentiles()[i]), a),
                      optionalNumber(v.percentilesMs[i]), a);
  }
  out.AddMember("latencyMs", latency, a);
  out.AddMember("percentileSource", optionalText(percentileSourceText(v.percentileSource), a), a);
  out.AddMember("percentileRuns", v.percentileRuns, a);
  out.AddMember("lateSends", v.lateSends, a);
  out.AddMember("unsent", v.unsent, a);
  rapidjson::Value interruptions(rapidjson::kArrayType);
  for (const auto& stop : v.interruptions) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("run", stop.run, a);
    item.AddMember(
        "afterSeconds",
        stop.afterSeconds > 0 ? rounded(stop.afterSeconds) : rapidjson::Value(rapidjson::kNullType),
        a);
    item.AddMember("plannedSeconds",
                   stop.plannedSeconds > 0 ? rounded(stop.plannedSeconds)
                                           : rapidjson::Value(rapidjson::kNullType),
                   a);
    item.AddMember("plannedRequests", stop.plannedRequests, a);
    item.AddMember("requests", stop.requests, a);
    interruptions.PushBack(item, a);
  }
  out.AddMember("interruptions", interruptions, a);
  return out;
}

}  // namespace

std::string renderJson(const Report& r) {
  rapidjson::Document doc(rapidjson::kObjectType);
  Allocator& a = doc.GetAllocator();
  doc.AddMember("reportFormat", 1, a);
  rapidjson::Value experiment(rapidjson::kObjectType);
  experiment.AddMember("name", text(r.name, a), a);
  experiment.AddMember("namespace", optionalText(r.ns, a), a);
  experiment.AddMember("stage", optionalText(r.stage, a), a);
  experiment.AddMember("baseline", optionalText(r.baseline, a), a);
  experiment.AddMember("winnerFound",
                       r.winnerFound ? rapidjson::Value(*r.winnerFound) : rapidjson::Value(), a);
  experiment.AddMember("winner", optionalText(r.winner, a), a);
  experiment.AddMember("recommendedVersion", optionalText(r.recommendedVersion, a), a);
  experiment.AddMember("collectedAt", optionalText(r.collectedAt, a), a);
  doc.AddMember("experiment", experiment, a);

  rapidjson::Value conditions(rapidjson::kArrayType);
  for (const auto& c : r.conditions) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("type", text(c.type, a), a);
    item.AddMember("status", text(c.status, a), a);
    item.AddMember("reason", optionalText(c.reason, a), a);
    item.AddMember("message", optionalText(c.message, a), a);
    conditions.PushBack(item, a);
  }
  doc.AddMember("conditions", conditions, a);

  rapidjson::Value versions(rapidjson::kArrayType);
  for (const auto& v : r.versions) versions.PushBack(versionJson(v, a), a);
  doc.AddMember("versions", versions, a);

  rapidjson::Value comparisons(rapidjson::kArrayType);
  for (const auto& c : r.comparisons) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("version", text(c.version, a), a);
    item.AddMember("baseline", text(r.baseline, a), a);
    rapidjson::Value latency(rapidjson::kObjectType);
    latency.AddMember("mean", differenceJson(c.meanMs, a), a);
    for (size_t i = 0; i < reportPercentiles().size(); ++i) {
      latency.AddMember(text(percentileLabel(reportPercentiles()[i]), a),
                        differenceJson(c.percentilesMs[i], a), a);
    }
    item.AddMember("latencyMs", latency, a);
    item.AddMember("errorRatePoints", optionalNumber(c.errorRate.absolute), a);
    item.AddMember("actualQps", differenceJson(c.actualQps, a), a);
    comparisons.PushBack(item, a);
  }
  doc.AddMember("comparisons", comparisons, a);
  doc.AddMember("verdict", verdictJson(r.verdict, a), a);
  return toPrettyJson(doc) + "\n";
}

}  // namespace iter8::report
