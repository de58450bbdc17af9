// iter8/experiment.hpp: the Experiment as the Go code of Iter8 (etc3) saw it, for tasks that
// answer the same questions: which versions it compares (spec.versionInfo), did a winner
// emerge, did the candidate win, what does a Go field name such as `.Spec.VersionInfo` find in
// the JSON. Header-only; needs RapidJSON.
//
// The host's `if:` conditions and common/run's `run:` templates use it, so both give the same
// answers; a third-party task that wants etc3's meaning uses it too.
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "iter8/internal/json_path.hpp"

namespace iter8::sdk {

// spec.versionInfo's baseline (when it is an object) and then each candidate object, in that
// order: the versions an experiment compares. Several tasks walk it (collect checks version
// names, readiness adds each version's weightObjRef, exec's templates look the recommended
// version up), so they walk it one way.
inline std::vector<const rapidjson::Value*> versionsOf(const rapidjson::Value& experiment) {
  std::vector<const rapidjson::Value*> versions;
  const rapidjson::Value* info = internal::pathOf(experiment, {"spec", "versionInfo"});
  if (info == nullptr) return versions;
  if (const rapidjson::Value* baseline = internal::memberOf(*info, "baseline");
      baseline != nullptr && baseline->IsObject()) {
    versions.push_back(baseline);
  }
  if (const rapidjson::Value* candidates = internal::memberOf(*info, "candidates");
      candidates != nullptr && candidates->IsArray()) {
    for (const auto& candidate : candidates->GetArray()) {
      if (candidate.IsObject()) versions.push_back(&candidate);
    }
  }
  return versions;
}

// The `name` of a version, or "" when it has none.
inline std::string_view versionName(const rapidjson::Value& version) {
  const rapidjson::Value* name = internal::memberOf(version, "name");
  if (name == nullptr || !name->IsString()) return {};
  return {name->GetString(), name->GetStringLength()};
}

// The version named `name` in spec.versionInfo, or nullptr.
inline const rapidjson::Value* findVersion(const rapidjson::Value& experiment,
                                           std::string_view name) {
  for (const rapidjson::Value* version : versionsOf(experiment)) {
    if (versionName(*version) == name) return version;
  }
  return nullptr;
}

// status.analysis.winnerAssessment.data.winnerFound is true (etc3's WinnerFound()).
inline bool winnerFound(const rapidjson::Value& experiment) {
  const rapidjson::Value* found = internal::pathOf(
      experiment, {"status", "analysis", "winnerAssessment", "data", "winnerFound"});
  return found != nullptr && found->IsBool() && found->GetBool();
}

// etc3's CandidateWon(): a winner was found, spec.versionInfo has exactly one candidate, and
// that candidate is the winner. False (never a panic, unlike etc3) when `winner` or
// `versionInfo` is absent.
inline bool candidateWon(const rapidjson::Value& experiment) {
  if (!winnerFound(experiment)) return false;
  const rapidjson::Value* winner =
      internal::pathOf(experiment, {"status", "analysis", "winnerAssessment", "data", "winner"});
  const rapidjson::Value* candidates =
      internal::pathOf(experiment, {"spec", "versionInfo", "candidates"});
  if (winner == nullptr || !winner->IsString() || candidates == nullptr || !candidates->IsArray() ||
      candidates->Size() != 1) {
    return false;
  }
  const rapidjson::Value* name = internal::memberOf((*candidates)[0], "name");
  return name != nullptr && name->IsString() && *name == *winner;
}

// The experiment's members (apiVersion, kind, metadata, spec, status) with the members Go
// promotes from the embedded ObjectMeta and TypeMeta at the top level: every member of
// `metadata` (so `.Labels` finds labels), `Name` and `Namespace` always (an empty string when
// unset, as Go prints an unset string field), `ObjectMeta` (metadata itself), `APIVersion`
// and `UID`, and `Experiment` (the experiment itself, as etc3's core.Experiment embeds
// v2alpha2.Experiment). Read it with Go field names (findGoField).
inline rapidjson::Document goExperimentView(const rapidjson::Value& experiment) {
  using internal::addIfAbsent;
  using internal::memberOf;
  rapidjson::Document view(rapidjson::kObjectType);
  auto& a = view.GetAllocator();
  if (experiment.IsObject()) view.CopyFrom(experiment, a);
  const rapidjson::Value empty("");
  const rapidjson::Value* metadata = memberOf(experiment, "metadata");
  const rapidjson::Value* name = metadata ? memberOf(*metadata, "name") : nullptr;
  const rapidjson::Value* ns = metadata ? memberOf(*metadata, "namespace") : nullptr;
  addIfAbsent(view, "Name", name && name->IsString() ? *name : empty);
  addIfAbsent(view, "Namespace", ns && ns->IsString() ? *ns : empty);
  if (metadata != nullptr && metadata->IsObject()) {
    addIfAbsent(view, "ObjectMeta", *metadata);
    for (const auto& member : metadata->GetObject()) {
      addIfAbsent(view, member.name.GetString(), member.value);
    }
    if (const rapidjson::Value* uid = memberOf(*metadata, "uid")) addIfAbsent(view, "UID", *uid);
  }
  if (const rapidjson::Value* apiVersion = memberOf(experiment, "apiVersion")) {
    addIfAbsent(view, "APIVersion", *apiVersion);
  }
  addIfAbsent(view, "Experiment", experiment.IsObject() ? experiment : empty);
  return view;
}

// Member `name` of `object` by Go field name: the key as written, else the key with its first
// letter in lower case (`Spec` finds spec), as Go matches the fields of a JSON-tagged struct.
// nullptr when neither exists or `object` is not an object.
inline const rapidjson::Value* findGoField(const rapidjson::Value& object, std::string_view name) {
  if (const rapidjson::Value* exact = internal::memberOf(object, name)) return exact;
  if (name.empty() || !std::isupper(static_cast<unsigned char>(name[0]))) return nullptr;
  std::string lowered(name);
  lowered[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowered[0])));
  return internal::memberOf(object, lowered);
}

}  // namespace iter8::sdk
