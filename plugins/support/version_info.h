// spec.versionInfo of an experiment: the baseline and the candidates, in that order. Several
// tasks walk it (collect checks version names, readiness adds each version's weightObjRef,
// exec's template data looks the recommended version up), so they walk it one way.
#pragma once

#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace iter8::support {

// The baseline (when it is an object) and then each candidate object, in order.
std::vector<const rapidjson::Value*> versionsOf(const rapidjson::Value& experiment);

// The version named `name`, or nullptr.
const rapidjson::Value* findVersion(const rapidjson::Value& experiment, std::string_view name);

// The `name` of a version, or "" when it has none.
std::string_view versionName(const rapidjson::Value& version);

}  // namespace iter8::support
