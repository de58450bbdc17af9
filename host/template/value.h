// The values a template computes with, modelled on the reflect.Values Go's text/template sees
// when its data is JSON decoded by encoding/json into interface{}: maps, slices, float64
// numbers, strings, bools and nil from the data; int, float64, string and bool constants; and
// the results of the builtin functions (bool, int, string, uint8 from indexing a string).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace iter8::template_internal {

struct Value {
  enum class Kind {
    kInvalid,  // Go's zero reflect.Value: a missing key, nil data, an unboxed JSON null
    kNil,      // a nil interface{} held in a map or slice (a JSON null element)
    kBool,
    kInt,    // Go int: number constants and len
    kUint8,  // index of a string
    kFloat,  // float64: every JSON number
    kString,
    kMap,    // map[string]interface {}
    kSlice,  // []interface {}
  };
  Kind kind = Kind::kInvalid;
  // Held in an interface{} (an element of a map or slice), so Go names its type "interface {}"
  // in error messages until a pipeline unwraps it.
  bool boxed = false;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string string;
  const rapidjson::Value* json = nullptr;  // kMap, kSlice
  // For kInvalid from a missing key: the field chain that missed, for TemplateOptions::missingKeys.
  std::string missingPath;

  static Value fromJson(const rapidjson::Value& json, bool boxed);
  static Value ofBool(bool b);
  static Value ofInt(std::int64_t i);
  static Value ofFloat(double d);
  static Value ofString(std::string s);

  bool isNilOrInvalid() const { return kind == Kind::kInvalid || kind == Kind::kNil; }
  // What Go's indirectInterface makes of it: the concrete value, or kInvalid for a nil one.
  Value unboxed() const;
};

// Go's reflect type string of the concrete value ("float64", "map[string]interface {}").
const char* goTypeName(const Value& value);
// The type Go names when the value is a receiver: "interface {}" while boxed.
std::string receiverTypeName(const Value& value);

// Go's text/template truth: false, 0, nil, and empty strings, maps and slices are false.
bool isTrue(const Value& value);

// Appends fmt's %v of a JSON value (maps with their keys sorted, null as <nil>).
void printJson(std::string& out, const rapidjson::Value& value);

std::string_view stringOf(const rapidjson::Value& value);

}  // namespace iter8::template_internal
