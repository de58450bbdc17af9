// The one RapidJSON wrapper: parse and print JSON text, with errors that say where.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace iter8 {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `text` as one JSON value. Throws JsonError naming the offset and the reason.
rapidjson::Document parseJson(std::string_view text);

// Compact JSON text of `value`, numbers as Go's encoding/json writes them (lib/go_json.h).
std::string toJson(const rapidjson::Value& value);

// Indented JSON text of `value` (for files people read), numbers as toJson writes them.
std::string toPrettyJson(const rapidjson::Value& value);

// Applies an RFC 7386 JSON merge patch to `target`: objects merge recursively, null deletes a
// member, any other value replaces. Values are deep-copied with `allocator`.
void applyMergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                     rapidjson::Value::AllocatorType& allocator);

// Member `name` of object `object`, or nullptr when `object` is not an object or lacks it.
const rapidjson::Value* findMember(const rapidjson::Value& object, std::string_view name);

// The value at `keys`, member by member from `root` ({"spec", "versionInfo"} finds
// root.spec.versionInfo), or nullptr when any of them is missing or not an object.
const rapidjson::Value* findPath(const rapidjson::Value& root,
                                 std::initializer_list<std::string_view> keys);

// The value at JSON Pointer `pointer` (RFC 6901; "" is `root` itself), or nullptr when there is
// none. Throws JsonError when the pointer is malformed.
const rapidjson::Value* findPointer(const rapidjson::Value& root, std::string_view pointer);

// Lenient readers of figures other programs wrote (Fortio results, a status): the number `v`
// points to, or `fallback` when it is null or not a number. integerOr takes a double's
// integer part (Fortio writes some counts as 2.0).
double numberOr(const rapidjson::Value* v, double fallback = 0);
int64_t integerOr(const rapidjson::Value* v, int64_t fallback = 0);

// Human-readable JSON type name: "object", "array", "string", "number", "boolean", "null".
const char* jsonTypeName(const rapidjson::Value& value);

// The type name with its article, for messages: "an object", "a string", "null".
std::string jsonTypeWithArticle(const rapidjson::Value& value);

}  // namespace iter8
