// The template data of the version recommended for promotion, as the original handler built
// it: {"name": <version name>, <variable name>: <variable value>, ...}. Shared by the task
// libraries whose templates read it (common/exec, common/bash, notification/http).
#pragma once

#include <string_view>

#include <rapidjson/document.h>

#include "iter8/task.hpp"

namespace iter8::support {

// Adds the recommended version's name and variables to `data` (an object). When the
// experiment has no recommended version yet, adds nothing and logs a warning, as the
// original did; `missingRendersAs` says in that warning what templates then print for those
// keys ("<no value>" or "an empty string", per the caller's missing-key mode).
void addRecommendedVersionTags(const rapidjson::Value& experiment, rapidjson::Document& data,
                               const sdk::Host& host,
                               std::string_view missingRendersAs = "<no value>");

// How the Go handler's tasks (exec, bash, promote-kubectl, notification/http) rendered
// templates: html/template, where a missing key prints "" (iter8's docs promise it), but
// without its HTML escaping.
sdk::InterpolateOptions goHandlerTemplateOptions();

}  // namespace iter8::support
