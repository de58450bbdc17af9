// Checks the `$ref`s of a task's input schema before the validator ever follows them: a
// reference to the schema itself or to one that encloses it (`{"$ref":"#"}`), or a chain of
// references that comes back to where it started, would make validation recurse without end.
#pragma once

#include <optional>
#include <string>

#include <rapidjson/document.h>

namespace iter8 {

// Why `schema` cannot be used ("$ref '#' at /properties/a refers to an enclosing schema"), or
// nullopt when every `$ref` is local ("#/...") and leads, without a cycle, to a schema that
// does not enclose it.
std::optional<std::string> findRecursiveRef(const rapidjson::Value& schema);

}  // namespace iter8
