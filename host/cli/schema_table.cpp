#include "host/cli/schema_table.h"

#include <algorithm>
#include <set>
#include <vector>

#include "lib/json.h"
#include "lib/text.h"

namespace iter8 {
namespace {

struct Row {
  std::string name, type, defaultValue, required, description;
};

std::string typeOf(const rapidjson::Value& schema) {
  if (const rapidjson::Value* type = findMember(schema, "type")) {
    if (type->IsString()) {
      std::string t = type->GetString();
      if (t == "array") {
        const rapidjson::Value* items = findMember(schema, "items");
        std::string inner = items != nullptr && items->IsObject() ? typeOf(*items) : "";
        if (inner.empty() || inner == "object") return "array";
        return inner.find('|') == std::string::npos ? "[]" + inner : "[](" + inner + ")";
      }
      return t;
    }
    if (type->IsArray()) {
      std::string t;
      for (const auto& v : type->GetArray()) {
        if (v.IsString()) t += (t.empty() ? "" : "|") + std::string(v.GetString());
      }
      return t;
    }
  }
  for (const char* key : {"oneOf", "anyOf"}) {
    const rapidjson::Value* alternatives = findMember(schema, key);
    if (alternatives == nullptr || !alternatives->IsArray()) continue;
    std::string t;
    for (const auto& alt : alternatives->GetArray()) {
      std::string one = typeOf(alt);
      if (!one.empty()) t += (t.empty() ? "" : "|") + one;
    }
    return t;
  }
  if (findMember(schema, "enum") != nullptr) return "enum";
  return "";
}

std::string descriptionOf(const rapidjson::Value& schema) {
  std::string text;
  if (const rapidjson::Value* d = findMember(schema, "description"); d && d->IsString()) {
    text = d->GetString();
  }
  if (const rapidjson::Value* e = findMember(schema, "enum"); e && e->IsArray()) {
    std::string values;
    for (const auto& v : e->GetArray()) values += (values.empty() ? "" : ", ") + toJson(v);
    text += (text.empty() ? "" : " ") + std::string("One of: ") + values + ".";
  }
  return text;
}

void collect(const rapidjson::Value& schema, const std::string& prefix, std::vector<Row>& rows) {
  const rapidjson::Value* properties = findMember(schema, "properties");
  if (properties == nullptr || !properties->IsObject()) return;
  std::set<std::string> required;
  if (const rapidjson::Value* r = findMember(schema, "required"); r && r->IsArray()) {
    for (const auto& v : r->GetArray()) {
      if (v.IsString()) required.insert(v.GetString());
    }
  }
  for (const auto& p : properties->GetObject()) {
    if (!p.value.IsObject()) continue;
    std::string name = prefix + p.name.GetString();
    const rapidjson::Value* def = findMember(p.value, "default");
    rows.push_back({name, typeOf(p.value), def ? toJson(*def) : "",
                    required.count(p.name.GetString()) ? "yes" : "", descriptionOf(p.value)});
    collect(p.value, name + ".", rows);
    const rapidjson::Value* items = findMember(p.value, "items");
    if (items != nullptr && items->IsObject()) collect(*items, name + "[].", rows);
    const rapidjson::Value* extra = findMember(p.value, "additionalProperties");
    if (extra != nullptr && extra->IsObject() && findMember(p.value, "properties") == nullptr) {
      rows.push_back({name + ".<key>", typeOf(*extra), "", "", descriptionOf(*extra)});
    }
  }
}

}  // namespace

namespace {

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::string schemaFieldTable(const rapidjson::Value& schema, size_t width) {
  std::vector<Row> rows;
  collect(schema, "", rows);
  if (rows.empty()) return "  (no inputs)\n";
  Row header{"FIELD", "TYPE", "DEFAULT", "REQUIRED", "DESCRIPTION"};
  size_t nameW = header.name.size(), typeW = header.type.size(), defW = header.defaultValue.size();
  for (const auto& r : rows) {
    nameW = std::max(nameW, r.name.size());
    typeW = std::max(typeW, r.type.size());
    defW = std::max(defW, std::min<size_t>(r.defaultValue.size(), 24));
  }
  nameW += 2;
  typeW += 2;
  defW += 2;
  size_t reqW = header.required.size() + 2;
  size_t used = 2 + nameW + typeW + defW + reqW;
  size_t descW = width > used + 20 ? width - used : 20;
  std::string out;
  auto emit = [&](const Row& r) {
    std::vector<std::string> lines = wrapWords(r.description, descW);
    std::string def =
        r.defaultValue.size() > 24 ? r.defaultValue.substr(0, 23) + "~" : r.defaultValue;
    out += "  " + padded(r.name, nameW) + padded(r.type, typeW) + padded(def, defW) +
           padded(r.required, reqW) + lines[0];
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
    for (size_t i = 1; i < lines.size(); ++i) out += std::string(used, ' ') + lines[i] + "\n";
  };
  emit(header);
  for (const auto& r : rows) emit(r);
  return out;
}

}  // namespace iter8
