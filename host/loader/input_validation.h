// Checks a task's `with:` inputs against the task's JSON Schema before the plugin sees them,
// so every task reports a missing field or a wrong type in the same words.
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8 {

struct InputCheck {
  bool ok = true;
  std::string error;                  // one line naming the field and what was expected
  std::vector<std::string> warnings;  // unknown inputs, one line each
};

// Strict mode (--strict, or ITER8_STRICT set to anything but "", 0, false, no): an unknown input
// is an error instead of a warning. setStrictInputs() overrides the environment.
void setStrictInputs(bool strict);
bool strictInputs();

// Template syntax checks (on for --dry-run): inputs the schema marks with "x-iter8-template"
// ("{{ }}" or "@< >@"; none when the boolean input named by the root's
// "x-iter8-template-switch" is true, as exec's disableInterpolation) are parsed, and one that
// does not parse is the error.
void setTemplateSyntaxChecks(bool on);
bool templateSyntaxChecks();

// Renames keys of `with` in place to the schema's spelling the way Go's encoding/json matched
// struct fields (exact name first, else case-insensitive), recursing through `properties`
// and `items`; records unknown keys as warnings with the closest known name ("did you mean"),
// or fails on the first in strict mode. Then validates `with` against `schema`.
// Field names in messages are paths like `with.versions[0].url`.
InputCheck checkInputs(rapidjson::Value& with, rapidjson::Document::AllocatorType& allocator,
                       const rapidjson::Document& schema);

}  // namespace iter8
