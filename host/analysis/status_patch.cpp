// statusPatch: the analysis as etc3 stores it (Go's field order, maps sorted, nulls dropped),
// turned into a merge patch that replaces each analysis object whole.
#include "host/analysis/analysis.h"
#include "lib/json.h"

namespace iter8::analysis {
namespace {

using Allocator = rapidjson::Value::AllocatorType;

rapidjson::Value text(const std::string& s, Allocator& a) {
  return rapidjson::Value(s.c_str(), a);
}

// provenance, timestamp, message: what every analysis object starts with.
struct Stamp {
  const std::string& timestamp;
  const std::string& provenance;
};

rapidjson::Value header(const std::optional<std::string>& message, const Stamp& stamp,
                        Allocator& a) {
  rapidjson::Value v(rapidjson::kObjectType);
  v.AddMember("provenance", text(stamp.provenance, a), a);
  v.AddMember("timestamp", text(stamp.timestamp, a), a);
  if (message) v.AddMember("message", text(*message, a), a);
  return v;
}

rapidjson::Value metricsJson(const Analysis& analysis, const Stamp& timestamp, Allocator& a) {
  rapidjson::Value out = header(analysis.metricsMessage, timestamp, a);
  rapidjson::Value data(rapidjson::kObjectType);
  for (const auto& [name, versions] : analysis.metrics) {
    rapidjson::Value perVersion(rapidjson::kObjectType);
    for (const auto& [version, value] : versions) {
      rapidjson::Value entry(rapidjson::kObjectType);
      entry.AddMember("value", text(value.stored(), a), a);
      perVersion.AddMember(text(version, a), entry, a);
    }
    rapidjson::Value metric(rapidjson::kObjectType);
    metric.AddMember("data", perVersion, a);
    data.AddMember(text(name, a), metric, a);
  }
  out.AddMember("data", data, a);
  return out;
}

rapidjson::Value winnerJson(const WinnerAssessment& w, const Stamp& timestamp, Allocator& a) {
  rapidjson::Value out = header(w.message, timestamp, a);
  rapidjson::Value data(rapidjson::kObjectType);
  data.AddMember("winnerFound", w.winnerFound, a);
  if (!w.winner.empty()) data.AddMember("winner", text(w.winner, a), a);
  out.AddMember("data", data, a);
  return out;
}

rapidjson::Value assessmentsJson(const VersionAssessments& va, const Stamp& timestamp,
                                 Allocator& a) {
  rapidjson::Value out = header(va.message, timestamp, a);
  rapidjson::Value data(rapidjson::kObjectType);
  for (const auto& [version, checks] : va.data) {
    rapidjson::Value list(rapidjson::kArrayType);
    for (bool b : checks) list.PushBack(b, a);
    data.AddMember(text(version, a), list, a);
  }
  out.AddMember("data", data, a);
  return out;
}

// A merge patch turning `old` into `replacement`: members only `old` has become null.
rapidjson::Value replacing(const rapidjson::Value* old, const rapidjson::Value& replacement,
                           Allocator& a) {
  if (old == nullptr || !old->IsObject() || !replacement.IsObject()) {
    return rapidjson::Value(replacement, a);
  }
  rapidjson::Value patch(rapidjson::kObjectType);
  for (const auto& m : old->GetObject()) {
    if (!replacement.HasMember(m.name))
      patch.AddMember(rapidjson::Value(m.name, a), rapidjson::Value(), a);
  }
  for (const auto& m : replacement.GetObject()) {
    patch.AddMember(rapidjson::Value(m.name, a),
                    replacing(findMember(*old, m.name.GetString()), m.value, a), a);
  }
  return patch;
}

}  // namespace

rapidjson::Document statusPatch(const rapidjson::Value& experiment, const Analysis& analysis,
                                const std::string& timestamp, const std::string& provenance) {
  const Stamp stamp{timestamp, provenance};
  rapidjson::Document patch(rapidjson::kObjectType);
  Allocator& a = patch.GetAllocator();
  const rapidjson::Value* old = findPath(experiment, {"status", "analysis"});
  auto previous = [&](const char* key) { return old ? findMember(*old, key) : nullptr; };
  rapidjson::Value metrics = metricsJson(analysis, stamp, a);
  rapidjson::Value winner = winnerJson(analysis.winner, stamp, a);
  rapidjson::Value assessments = assessmentsJson(analysis.assessments, stamp, a);
  rapidjson::Value analysisPatch(rapidjson::kObjectType);
  analysisPatch.AddMember("aggregatedMetrics", replacing(previous("aggregatedMetrics"), metrics, a),
                          a);
  analysisPatch.AddMember("winnerAssessment", replacing(previous("winnerAssessment"), winner, a),
                          a);
  analysisPatch.AddMember("versionAssessments",
                          replacing(previous("versionAssessments"), assessments, a), a);
  patch.AddMember("analysis", analysisPatch, a);
  patch.AddMember("versionRecommendedForPromotion", text(analysis.recommended, a), a);
  return patch;
}

}  // namespace iter8::analysis
