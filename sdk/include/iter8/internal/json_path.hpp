// iter8/internal/json_path.hpp: members and paths of RapidJSON values, for the SDK's headers.
// Internal: not part of the SDK's contract; names here may change in any release.
#pragma once

#include <initializer_list>
#include <string_view>

#include <rapidjson/document.h>

namespace iter8::sdk::internal {

inline const rapidjson::Value* memberOf(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

inline const rapidjson::Value* pathOf(const rapidjson::Value& root,
                                      std::initializer_list<const char*> keys) {
  const rapidjson::Value* current = &root;
  for (const char* key : keys) {
    current = memberOf(*current, key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

inline void addIfAbsent(rapidjson::Document& view, const char* key, const rapidjson::Value& value) {
  if (view.HasMember(key)) return;
  auto& a = view.GetAllocator();
  view.AddMember(rapidjson::Value(key, a), rapidjson::Value(value, a), a);
}

}  // namespace iter8::sdk::internal
