// The template data of the version recommended for promotion, as the original handler built
// it: {"name": <version name>, <variable name>: <variable value>, ...}.
#pragma once

#include <rapidjson/document.h>

#include "iter8/task.hpp"

namespace iter8::common {

// Adds the recommended version's name and variables to `data` (an object). When the
// experiment has no recommended version yet, adds nothing and logs a warning, as the
// original did; templates then render those keys as empty strings.
void addRecommendedVersionTags(const rapidjson::Value& experiment, rapidjson::Document& data,
                               const sdk::Host& host);

// How the Go handler's tasks (exec, bash, promote-kubectl) rendered templates: html/template,
// where a missing key prints "" (iter8's docs promise it), but without its HTML escaping.
sdk::InterpolateOptions goHandlerTemplateOptions();

}  // namespace iter8::common
