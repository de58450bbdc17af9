// `handler plugins describe`'s field table, like `kubectl explain`: one row per input of a
// task's JSON Schema (nested ones as versions[].url), with type, default, required and
// description.
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8 {

// The table as text, `width` columns wide at most (descriptions wrap in their column).
std::string schemaFieldTable(const rapidjson::Value& schema, size_t width = 100);

}  // namespace iter8
