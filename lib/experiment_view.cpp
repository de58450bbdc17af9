#include "lib/experiment_view.h"

#include <cctype>
#include <initializer_list>
#include <string>

#include "lib/json.h"

namespace iter8 {
namespace {

const rapidjson::Value* path(const rapidjson::Value& root,
                             std::initializer_list<const char*> keys) {
  const rapidjson::Value* current = &root;
  for (const char* key : keys) {
    current = findMember(*current, key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

void addIfAbsent(rapidjson::Document& view, const char* key, const rapidjson::Value& value) {
  if (view.HasMember(key)) return;
  auto& a = view.GetAllocator();
  view.AddMember(rapidjson::Value(key, a), rapidjson::Value(value, a), a);
}

}  // namespace

bool experimentWinnerFound(const rapidjson::Value& experiment) {
  const rapidjson::Value* found =
      path(experiment, {"status", "analysis", "winnerAssessment", "data", "winnerFound"});
  return found != nullptr && found->IsBool() && found->GetBool();
}

bool experimentCandidateWon(const rapidjson::Value& experiment) {
  if (!experimentWinnerFound(experiment)) return false;
  const rapidjson::Value* winner =
      path(experiment, {"status", "analysis", "winnerAssessment", "data", "winner"});
  const rapidjson::Value* candidates = path(experiment, {"spec", "versionInfo", "candidates"});
  if (winner == nullptr || !winner->IsString() || candidates == nullptr || !candidates->IsArray() ||
      candidates->Size() != 1) {
    return false;
  }
  const rapidjson::Value* name = findMember((*candidates)[0], "name");
  return name != nullptr && name->IsString() && *name == *winner;
}

rapidjson::Document goExperimentView(const rapidjson::Value& experiment) {
  rapidjson::Document view(rapidjson::kObjectType);
  auto& a = view.GetAllocator();
  if (experiment.IsObject()) view.CopyFrom(experiment, a);
  const rapidjson::Value empty("");
  const rapidjson::Value* metadata = findMember(experiment, "metadata");
  const rapidjson::Value* name = metadata ? findMember(*metadata, "name") : nullptr;
  const rapidjson::Value* ns = metadata ? findMember(*metadata, "namespace") : nullptr;
  addIfAbsent(view, "Name", name && name->IsString() ? *name : empty);
  addIfAbsent(view, "Namespace", ns && ns->IsString() ? *ns : empty);
  if (metadata != nullptr && metadata->IsObject()) {
    addIfAbsent(view, "ObjectMeta", *metadata);
    for (const auto& member : metadata->GetObject()) {
      addIfAbsent(view, member.name.GetString(), member.value);
    }
    if (const rapidjson::Value* uid = findMember(*metadata, "uid")) addIfAbsent(view, "UID", *uid);
  }
  if (const rapidjson::Value* apiVersion = findMember(experiment, "apiVersion")) {
    addIfAbsent(view, "APIVersion", *apiVersion);
  }
  addIfAbsent(view, "Experiment", experiment.IsObject() ? experiment : empty);
  return view;
}

const rapidjson::Value* findGoField(const rapidjson::Value& object, std::string_view name) {
  if (const rapidjson::Value* exact = findMember(object, name)) return exact;
  if (name.empty() || !std::isupper(static_cast<unsigned char>(name[0]))) return nullptr;
  std::string lowered(name);
  lowered[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowered[0])));
  return findMember(object, lowered);
}

}  // namespace iter8
