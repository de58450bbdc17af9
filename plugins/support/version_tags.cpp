#include "plugins/support/version_tags.h"

#include "plugins/support/version_info.h"

#include <string>

#include "lib/json.h"

namespace iter8::support {
namespace {

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
