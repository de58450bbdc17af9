#include "plugins/support/version_tags.h"

#include "plugins/support/version_info.h"

#include <cctype>
#include <string>

#include "lib/json.h"

namespace iter8::support {
namespace {

void set(rapidjson::Document& data, const char* key, const rapidjson::Value& value) {
  auto& a = data.GetAllocator();
  auto it = data.FindMember(key);
  if (it != data.MemberEnd())
    it->value.CopyFrom(value, a);
  else
    data.AddMember(rapidjson::Value(key, a), rapidjson::Value(value, a), a);
}

bool identChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Whether one action's text starts a field chain at the data's top level (`.name`, `.`) with a
// key other than `this` (`$.name` too: `$` is the data). A chain after a value (`.this.x`,
// `$v.x`, `(f).x`) is not top level.
bool actionReadsTags(std::string_view action) {
  bool quoted = false;
  for (size_t i = 0; i < action.size(); ++i) {
    char c = action[i];
    if (c == '"' || c == '`') quoted = !quoted;
    if (quoted || c != '.') continue;
    char before = i == 0 ? ' ' : action[i - 1];
    if (identChar(before) || before == '.' || before == ')' || before == ']') {
      continue;
    }
    size_t end = i + 1;
    while (end < action.size() && identChar(action[end])) ++end;
    if (action.substr(i + 1, end - i - 1) != "this") return true;  // "" is `.`: the whole data
    i = end - 1;
  }
  return false;
}

}  // namespace

bool readsVersionTags(std::string_view text) {
  for (size_t open = text.find("{{"); open != std::string_view::npos;
       open = text.find("{{", open + 2)) {
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return false;
    if (actionReadsTags(text.substr(open + 2, close - open - 2))) return true;
  }
  return false;
}

void addRecommendedVersionTags(const rapidjson::Value& experiment, rapidjson::Document& data,
                               const sdk::Host& host, std::string_view missingRendersAs,
                               const std::vector<std::string>* templates) {
  const rapidjson::Value* status = findMember(experiment, "status");
  const rapidjson::Value* recommended =
      status ? findMember(*status, "versionRecommendedForPromotion") : nullptr;
  if (recommended == nullptr || !recommended->IsString()) {
    bool reads = templates == nullptr;
    for (size_t i = 0; !reads && i < templates->size(); ++i) {
      reads = readsVersionTags((*templates)[i]);
    }
    if (!reads) return;
    host.warn("no version is recommended for promotion yet; its variables render as " +
              std::string(missingRendersAs));
    return;
  }
  std::string name = recommended->GetString();
  set(data, "name", *recommended);
  const rapidjson::Value* version = findVersion(experiment, name);
  if (version == nullptr) {
    host.warn("version '" + name + "' recommended for promotion is not in spec.versionInfo");
    return;
  }
  const rapidjson::Value* variables = findMember(*version, "variables");
  if (variables == nullptr || !variables->IsArray()) return;
  for (const auto& variable : variables->GetArray()) {
    const rapidjson::Value* key = findMember(variable, "name");
    const rapidjson::Value* value = findMember(variable, "value");
    if (key && key->IsString() && value) set(data, key->GetString(), *value);
  }
}

sdk::InterpolateOptions goHandlerTemplateOptions() {
  sdk::InterpolateOptions options;
  options.missingKey = ITER8_MISSING_KEY_EMPTY;
  return options;
}

}  // namespace iter8::support
