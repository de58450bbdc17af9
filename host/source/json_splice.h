// Writing a status into a JSON experiment file without re-serialising the rest: RapidJSON
// reads numbers as doubles, so writing the whole document back turned a spec's
// 12345678901234567890123 into 1.2345678901234568e+22. Only the top-level "status" member's
// text is replaced (or added); every other byte stays as written.
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace iter8 {

// The text of JSON object `original` with its top-level "status" member's value replaced by
// `status` (pretty-printed, indented like the member), or the member added at the end. ""
// when `original` is not a JSON object this can edit (the caller then writes it whole).
std::string spliceJsonStatus(const std::string& original, const rapidjson::Value& status);

}  // namespace iter8
