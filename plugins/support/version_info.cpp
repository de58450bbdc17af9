#include "plugins/support/version_info.h"

#include "lib/json.h"

namespace iter8::support {

std::vector<const rapidjson::Value*> versionsOf(const rapidjson::Value& experiment) {
  std::vector<const rapidjson::Value*> versions;
  const rapidjson::Value* info = findPath(experiment, {"spec", "versionInfo"});
  if (info == nullptr) return versions;
  if (const rapidjson::Value* baseline = findMember(*info, "baseline");
      baseline != nullptr && baseline->IsObject()) {
    versions.push_back(baseline);
  }
  if (const rapidjson::Value* candidates = findMember(*info, "candidates");
      candidates != nullptr && candidates->IsArray()) {
    for (const auto& candidate : candidates->GetArray()) {
      if (candidate.IsObject()) versions.push_back(&candidate);
    }
  }
  return versions;
}

std::string_view versionName(const rapidjson::Value& version) {
  const rapidjson::Value* name = findMember(version, "name");
  if (name == nullptr || !name->IsString()) return {};
  return {name->GetString(), name->GetStringLength()};
}

const rapidjson::Value* findVersion(const rapidjson::Value& experiment, std::string_view name) {
  for (const rapidjson::Value* version : versionsOf(experiment)) {
    if (versionName(*version) == name) return version;
  }
  return nullptr;
}

}  // namespace iter8::support
