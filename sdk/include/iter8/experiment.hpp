// iter8/experiment.hpp: the Experiment as the Go code of Iter8 (etc3) saw it, for tasks that
// answer the same questions: did a winner emerge, did the candidate win, what does a Go field
// name such as `.Spec.VersionInfo` find in the JSON. Header-only; needs RapidJSON.
//
// The host's `if:` conditions and common/run's `run:` templates use it, so both give the same
// answers; a third-party task that wants etc3's meaning uses it too.
#pragma once

#include <cctype>
#include <initializer_list>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace iter8::sdk {
namespace detail {

inline const rapidjson::Value* memberOf(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

inline const rapidjson::Value* pathOf(const rapidjson::Value& root,
                                      std::initializer_list<const char*> keys) {
  const rapidjson::Value* current = &root;
  for (const char* key : keys) {
    current = memberOf(*current, key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

inline void addIfAbsent(rapidjson::Document& view, const char* key, const rapidjson::Value& value) {
  if (view.HasMember(key)) return;
  auto& a = view.GetAllocator();
  view.AddMember(rapidjson::Value(key, a), rapidjson::Value(value, a), a);
}

}  // namespace detail

// status.analysis.winnerAssessment.data.winnerFound is true (etc3's WinnerFound()).
inline bool winnerFound(const rapidjson::Value& experiment) {
  const rapidjson::Value* found =
      detail::pathOf(experiment, {"status", "analysis", "winnerAssessment", "data", "winnerFound"});
  return found != nullptr && found->IsBool() && found->GetBool();
}

// etc3's CandidateWon(): a winner was found, spec.versionInfo has exactly one candidate, and
// that candidate is the winner. False (never a panic, unlike etc3) when `winner` or
// `versionInfo` is absent.
inline bool candidateWon(const rapidjson::Value& experiment) {
  if (!winnerFound(experiment)) return false;
  const rapidjson::Value* winner =
      detail::pathOf(experiment, {"status", "analysis", "winnerAssessment", "data", "winner"});
  const rapidjson::Value* candidates =
      detail::pathOf(experiment, {"spec", "versionInfo", "candidates"});
  if (winner == nullptr || !winner->IsString() || candidates == nullptr || !candidates->IsArray() ||
      candidates->Size() != 1) {
    return false;
  }
  const rapidjson::Value* name = detail::memberOf((*candidates)[0], "name");
  return name != nullptr && name->IsString() && *name == *winner;
}

// The experiment's members (apiVersion, kind, metadata, spec, status) with the members Go
// promotes from the embedded ObjectMeta and TypeMeta at the top level: every member of
// `metadata` (so `.Labels` finds labels), `Name` and `Namespace` always (an empty string when
// unset, as Go prints an unset string field), `ObjectMeta` (metadata itself), `APIVersion`
// and `UID`, and `Experiment` (the experiment itself, as etc3's core.Experiment embeds
// v2alpha2.Experiment). Read it with Go field names (findGoField).
inline rapidjson::Document goExperimentView(const rapidjson::Value& experiment) {
  using detail::addIfAbsent;
  using detail::memberOf;
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
  if (const rapidjson::Value* exact = detail::memberOf(object, name)) return exact;
  if (name.empty() || !std::isupper(static_cast<unsigned char>(name[0]))) return nullptr;
  std::string lowered(name);
  lowered[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowered[0])));
  return detail::memberOf(object, lowered);
}

}  // namespace iter8::sdk
