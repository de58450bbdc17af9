#include "lib/json.h"

#include "lib/go_json.h"

#include <rapidjson/pointer.h>

#include <algorithm>

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace iter8 {

namespace {

// Deepest nesting of arrays and objects in `text` (strings skipped). Checked before parsing,
// because parsing, printing and freeing a document all recurse once per level.
int nestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

constexpr int kMaxNesting = 200;

}  // namespace

rapidjson::Document parseJson(std::string_view text) {
  if (nestingDepth(text) > kMaxNesting) {
    throw JsonError("JSON nested deeper than " + std::to_string(kMaxNesting) + " levels");
  }
  rapidjson::Document doc;
  // Full precision: latency figures must read back exactly as they were written.
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    throw JsonError("invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                    rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

// One writer for every JSON text the handler produces (status to the cluster, files, reports,
// data handed to plugins): numbers spelled as Go's encoding/json spells them (lib/go_json), so
// a status reads the same whether it went to the API server or to a file.
std::string toJson(const rapidjson::Value& value) {
  return toGoJson(value);
}

std::string toPrettyJson(const rapidjson::Value& value) {
  return toGoPrettyJson(value, 2);
}

void applyMergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                     rapidjson::Value::AllocatorType& allocator) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, allocator);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (auto& member : patch.GetObject()) {
    auto existing = target.FindMember(member.name);
    if (member.value.IsNull()) {
      if (existing != target.MemberEnd()) target.RemoveMember(existing);
    } else if (existing != target.MemberEnd()) {
      applyMergePatch(existing->value, member.value, allocator);
    } else {
      rapidjson::Value name(member.name, allocator);
      rapidjson::Value value(rapidjson::kObjectType);
      applyMergePatch(value, member.value, allocator);
      target.AddMember(name, value, allocator);
    }
  }
}

const rapidjson::Value* findMember(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const rapidjson::Value* findPath(const rapidjson::Value& root,
                                 std::initializer_list<std::string_view> keys) {
  const rapidjson::Value* current = &root;
  for (std::string_view key : keys) {
    current = findMember(*current, key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

const rapidjson::Value* findPointer(const rapidjson::Value& root, std::string_view pointer) {
  const rapidjson::Pointer parsed(pointer.data(), pointer.size());
  if (!parsed.IsValid()) {
    throw JsonError("JSON pointer '" + std::string(pointer) + "' is malformed at offset " +
                    std::to_string(parsed.GetParseErrorOffset()) +
                    " (expected \"\" or /key/..., with ~0 for '~' and ~1 for '/')");
  }
  return parsed.Get(root);
}

double numberOr(const rapidjson::Value* v, double fallback) {
  return v != nullptr && v->IsNumber() ? v->GetDouble() : fallback;
}

int64_t integerOr(const rapidjson::Value* v, int64_t fallback) {
  if (v == nullptr || !v->IsNumber()) return fallback;
  return v->IsInt64() ? v->GetInt64() : static_cast<int64_t>(v->GetDouble());
}

const char* jsonTypeName(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "boolean";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "unknown";
}

std::string jsonTypeWithArticle(const rapidjson::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsObject() || value.IsArray()) return std::string("an ") + jsonTypeName(value);
  return std::string("a ") + jsonTypeName(value);
}

}  // namespace iter8
