// iter8/task_spec.hpp: a TaskSpec as MakeTask receives it, with typed accessors for the inputs
// under `with:`. Included by iter8/task.hpp; header-only; needs RapidJSON.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "iter8/duration.h"
#include "iter8/host.hpp"

namespace iter8::sdk {

// A TaskSpec as the host hands it over: {"task":"lib/name","with":{...}, ...}. The host has
// validated `with` against the task's schema, so with a schema that gives each input its type
// the accessors only meet absence; with a looser schema ("{}") they refuse a wrong type with
// InputError, in the host's words: `input 'with.times' is a string "2"; expected an integer`.
// An input that is null counts as absent.
class TaskSpec {
 public:
  explicit TaskSpec(const char* json) {
    doc_.Parse<rapidjson::kParseFullPrecisionFlag>(json);
    if (doc_.HasParseError() || !doc_.IsObject()) throw InputError("TaskSpec is not a JSON object");
    auto it = doc_.FindMember("with");
    if (it != doc_.MemberEnd() && it->value.IsObject()) with_ = &it->value;
    auto task = doc_.FindMember("task");
    if (task != doc_.MemberEnd() && task->value.IsString()) name_ = task->value.GetString();
  }

  // with() points into the document: not copyable or movable.
  TaskSpec(const TaskSpec&) = delete;
  TaskSpec& operator=(const TaskSpec&) = delete;

  // "library/task".
  const std::string& name() const { return name_; }
  const rapidjson::Value& document() const { return doc_; }
  // The `with` object ({} when the TaskSpec has none).
  const rapidjson::Value& with() const { return *with_; }

  // Input `key` of `with`, or nullptr when absent or null.
  const rapidjson::Value* find(const char* key) const {
    auto it = with_->FindMember(key);
    return it == with_->MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
  }

  // Strings.
  std::string requireString(const char* key) const {
    return stringOf(key, required(key, "a string"));
  }
  std::string optionalString(const char* key, const std::string& fallback = {}) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr ? stringOf(key, *v) : fallback;
  }

  // Booleans.
  bool requireBool(const char* key) const { return boolOf(key, required(key, "a boolean")); }
  bool optionalBool(const char* key, bool fallback = false) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr ? boolOf(key, *v) : fallback;
  }

  // Numbers (any JSON number).
  double requireNumber(const char* key) const { return numberOf(key, required(key, "a number")); }
  double optionalNumber(const char* key, double fallback) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr ? numberOf(key, *v) : fallback;
  }

  // Integers: a JSON number without a fraction (2 and 2.0) within int64_t.
  int64_t requireInteger(const char* key) const {
    return integerOf(key, required(key, "an integer"));
  }
  int64_t optionalInteger(const char* key, int64_t fallback) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr ? integerOf(key, *v) : fallback;
  }

  // Arrays: the array itself (its items unchecked), or a list of strings.
  const rapidjson::Value& requireArray(const char* key) const {
    return arrayOf(key, required(key, "an array"));
  }
  const rapidjson::Value* optionalArray(const char* key) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr ? &arrayOf(key, *v) : nullptr;
  }
  std::vector<std::string> requireStrings(const char* key) const {
    return stringsOf(key, required(key, "an array of strings"));
  }
  std::vector<std::string> optionalStrings(const char* key) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr ? stringsOf(key, *v) : std::vector<std::string>{};
  }

  // Go durations ("5s", "1m30s"), parsed exactly as the handler parses them (iter8/duration.h).
  std::chrono::nanoseconds requireDuration(const char* key) const {
    return durationOf(key, required(key, "a Go duration such as \"5s\""));
  }
  std::chrono::nanoseconds optionalDuration(const char* key,
                                            std::chrono::nanoseconds fallback) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr ? durationOf(key, *v) : fallback;
  }

 private:
  const rapidjson::Value& required(const char* key, const char* expected) const {
    const rapidjson::Value* v = find(key);
    if (v == nullptr) {
      throw InputError(std::string("input 'with.") + key + "' is required; expected " + expected);
    }
    return *v;
  }

  // `input 'with.k' is a string "x"; expected <expected>`, as the host's schema check says.
  [[noreturn]] static void wrongType(const char* key, const rapidjson::Value& v,
                                     const std::string& expected) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    v.Accept(writer);
    std::string text(buffer.GetString(), buffer.GetSize());
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    const char* type = v.IsBool()     ? "a boolean "
                       : v.IsNumber() ? "a number "
                       : v.IsString() ? "a string "
                       : v.IsArray()  ? "an array "
                                      : "an object ";
    throw InputError(std::string("input 'with.") + key + "' is " + type + text + "; expected " +
                     expected);
  }

  static std::string stringOf(const char* key, const rapidjson::Value& v) {
    if (!v.IsString()) wrongType(key, v, "a string");
    return std::string(v.GetString(), v.GetStringLength());
  }
  static bool boolOf(const char* key, const rapidjson::Value& v) {
    if (!v.IsBool()) wrongType(key, v, "a boolean");
    return v.GetBool();
  }
  static double numberOf(const char* key, const rapidjson::Value& v) {
    if (!v.IsNumber()) wrongType(key, v, "a number");
    return v.GetDouble();
  }
  static int64_t integerOf(const char* key, const rapidjson::Value& v) {
    if (v.IsInt64()) return v.GetInt64();
    // 2.0 is an integer to JSON Schema; 2.5, 1e300 and uint64 values above INT64_MAX are not.
    if (v.IsDouble()) {
      const double d = v.GetDouble();
      if (std::floor(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        return static_cast<int64_t>(d);
      }
    }
    wrongType(key, v, v.IsNumber() ? "an integer within 64 bits" : "an integer");
  }
  static const rapidjson::Value& arrayOf(const char* key, const rapidjson::Value& v) {
    if (!v.IsArray()) wrongType(key, v, "an array");
    return v;
  }
  static std::vector<std::string> stringsOf(const char* key, const rapidjson::Value& v) {
    if (!v.IsArray()) wrongType(key, v, "an array of strings");
    std::vector<std::string> out;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string item = std::string(key) + "[" + std::to_string(i) + "]";
      out.push_back(stringOf(item.c_str(), v[i]));
    }
    return out;
  }
  static std::chrono::nanoseconds durationOf(const char* key, const rapidjson::Value& v) {
    const char* expected = "a Go duration such as \"5s\" or \"1m30s\"";
    if (!v.IsString()) wrongType(key, v, expected);
    auto parsed = parseGoDuration(std::string_view(v.GetString(), v.GetStringLength()));
    if (!parsed) wrongType(key, v, expected);
    return *parsed;
  }

  rapidjson::Document doc_;
  rapidjson::Value empty_{rapidjson::kObjectType};
  const rapidjson::Value* with_ = &empty_;
  std::string name_;
};

}  // namespace iter8::sdk
