#include "host/template/value.h"

#include "lib/go_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

namespace iter8::template_internal {

Value Value::fromJson(const rapidjson::Value& json, bool boxed) {
  Value value;
  value.boxed = boxed;
  if (json.IsNull()) {
    value.kind = boxed ? Kind::kNil : Kind::kInvalid;
    value.boxed = boxed;
  } else if (json.IsBool()) {
    value.kind = Kind::kBool;
    value.boolean = json.GetBool();
  } else if (json.IsNumber()) {
    value.kind = Kind::kFloat;  // encoding/json makes every number a float64
    value.number = json.GetDouble();
  } else if (json.IsString()) {
    value.kind = Kind::kString;
    value.string = std::string(stringOf(json));
  } else {
    value.kind = json.IsObject() ? Kind::kMap : Kind::kSlice;
    value.json = &json;
  }
  return value;
}

Value Value::ofBool(bool b) {
  Value value;
  value.kind = Kind::kBool;
  value.boolean = b;
  return value;
}

Value Value::ofInt(std::int64_t i) {
  Value value;
  value.kind = Kind::kInt;
  value.integer = i;
  return value;
}

Value Value::ofFloat(double d) {
  Value value;
  value.kind = Kind::kFloat;
  value.number = d;
  return value;
}

Value Value::ofString(std::string s) {
  Value value;
  value.kind = Kind::kString;
  value.string = std::move(s);
  return value;
}

Value Value::unboxed() const {
  Value value = *this;
  value.boxed = false;
  if (value.kind == Kind::kNil) value.kind = Kind::kInvalid;
  return value;
}

const char* goTypeName(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kInvalid:
    case Value::Kind::kNil:
      return "<nil>";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kUint8:
      return "uint8";
    case Value::Kind::kFloat:
      return "float64";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kMap:
      return "map[string]interface {}";
    case Value::Kind::kSlice:
      return "[]interface {}";
  }
  return "<nil>";
}

std::string receiverTypeName(const Value& value) {
  return value.boxed ? "interface {}" : goTypeName(value);
}

bool isTrue(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kInvalid:
    case Value::Kind::kNil:
      return false;
    case Value::Kind::kBool:
      return value.boolean;
    case Value::Kind::kInt:
    case Value::Kind::kUint8:
      return value.integer != 0;
    case Value::Kind::kFloat:
      return value.number != 0;
    case Value::Kind::kString:
      return !value.string.empty();
    case Value::Kind::kMap:
      return value.json->MemberCount() > 0;
    case Value::Kind::kSlice:
      return !value.json->Empty();
  }
  return false;
}

std::string_view stringOf(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

void printJson(std::string& out, const rapidjson::Value& value) {
  if (value.IsNull()) {
    out += "<nil>";
  } else if (value.IsBool()) {
    out += value.GetBool() ? "true" : "false";
  } else if (value.IsNumber()) {
    out += formatGoG(value.GetDouble());
  } else if (value.IsString()) {
    out += stringOf(value);
  } else if (value.IsArray()) {
    out += '[';
    const char* separator = "";
    for (const auto& element : value.GetArray()) {
      out += separator;
      printJson(out, element);
      separator = " ";
    }
    out += ']';
  } else {
    // fmt prints maps with keys sorted bytewise; later duplicates overwrite earlier ones.
    std::map<std::string_view, const rapidjson::Value*> sorted;
    for (const auto& member : value.GetObject()) sorted[stringOf(member.name)] = &member.value;
    out += "map[";
    const char* separator = "";
    for (const auto& [key, member] : sorted) {
      out += separator;
      out += key;
      out += ':';
      printJson(out, *member);
      separator = " ";
    }
    out += ']';
  }
}

}  // namespace iter8::template_internal
