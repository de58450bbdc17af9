// The template data of the version recommended for promotion, as the original handler built
// it: {"name": <version name>, <variable name>: <variable value>, ...}. Shared by the task
// libraries whose templates read it (common/exec, common/bash, notification/http).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "iter8/task.hpp"

namespace iter8::support {

// Adds the recommended version's name and variables to `data` (an object). When the
// experiment has no recommended version yet, adds nothing and logs a warning, as the
// original did; `missingRendersAs` says in that warning what templates then print for those
// keys ("<no value>" or "an empty string", per the caller's missing-key mode).
// With `templates` given, the warning is logged only when one of them reads a top-level key
// other than `this` (`.name`, a version variable, or the whole data `.`): `echo hi` gets none.
void addRecommendedVersionTags(const rapidjson::Value& experiment, rapidjson::Document& data,
                               const sdk::Host& host,
                               std::string_view missingRendersAs = "<no value>",
                               const std::vector<std::string>* templates = nullptr);

// True when `text` ({{ }} actions) reads a top-level key other than `this`, or the whole data.
bool readsVersionTags(std::string_view text);

// How the Go handler's tasks (exec, bash, promote-kubectl, notification/http) rendered
// templates: html/template, where a missing key prints "" (iter8's docs promise it), but
// without its HTML escaping.
sdk::InterpolateOptions goHandlerTemplateOptions();

}  // namespace iter8::support
