#include "plugins/support/version_tags.h"

#include <string>

#include "lib/json.h"

namespace iter8::support {
namespace {

bool hasName(const rapidjson::Value& version, const std::string& name) {
  const rapidjson::Value* n = findMember(version, "name");
  return n != nullptr && n->IsString() && name == n->GetString();
}

const rapidjson::Value* findVersion(const rapidjson::Value& experiment, const std::string& name) {
  const rapidjson::Value* spec = findMember(experiment, "spec");
  const rapidjson::Value* info = spec ? findMember(*spec, "versionInfo") : nullptr;
  if (info == nullptr) return nullptr;
  if (const rapidjson::Value* baseline = findMember(*info, "baseline");
      baseline && hasName(*baseline, name)) {
    return baseline;
  }
  if (const rapidjson::Value* candidates = findMember(*info, "candidates");
      candidates && candidates->IsArray()) {
    for (const auto& candidate : candidates->GetArray()) {
      if (hasName(candidate, name)) return &candidate;
    }
  }
  return nullptr;
}

void set(rapidjson::Document& data, const char* key, const rapidjson::Value& value) {
  auto& a = data.GetAllocator();
  auto it = data.FindMember(key);
  if (it != data.MemberEnd())
    it->value.CopyFrom(value, a);
  else
    data.AddMember(rapidjson::Value(key, a), rapidjson::Value(value, a), a);
}

}  // namespace

void addRecommendedVersionTags(const rapidjson::Value& experiment, rapidjson::Document& data,
                               const sdk::Host& host, std::string_view missingRendersAs) {
  const rapidjson::Value* status = findMember(experiment, "status");
  const rapidjson::Value* recommended =
      status ? findMember(*status, "versionRecommendedForPromotion") : nullptr;
  if (recommended == nullptr || !recommended->IsString()) {
    host.warn("no version is recommended for promotion yet; its variables render as " +
              std::string(missingRendersAs));
    return;
  }
  std::string name = recommended->GetString();
  set(data, "name", *recommended);
  const rapidjson::Value* version = findVersion(experiment, name);
  if (version == nullptr) {
    host.warn("version '" + name + "' recommended for promotion is not in spec.versionInfo");
    return;
  }
  const rapidjson::Value* variables = findMember(*version, "variables");
  if (variables == nullptr || !variables->IsArray()) return;
  for (const auto& variable : variables->GetArray()) {
    const rapidjson::Value* key = findMember(variable, "name");
    const rapidjson::Value* value = findMember(variable, "value");
    if (key && key->IsString() && value) set(data, key->GetString(), *value);
  }
}

sdk::InterpolateOptions goHandlerTemplateOptions() {
  sdk::InterpolateOptions options;
  options.missingKey = ITER8_MISSING_KEY_EMPTY;
  return options;
}

}  // namespace iter8::support
