#include "tests/support/structural_pruning.h"

#include <stdexcept>

#include "lib/json.h"
#include "tests/support/yaml_documents.h"

namespace iter8::testing {
namespace {

bool flag(const rapidjson::Value& schema, const char* name) {
  const rapidjson::Value* value = findMember(schema, name);
  return value && value->IsBool() && value->GetBool();
}

// The walk of apiextensions-apiserver's pruning algorithm: declared properties recurse,
// additionalProperties recurse with their schema, anything else is kept only under
// x-kubernetes-preserve-unknown-fields. An embedded resource keeps its type and metadata.
void prune(rapidjson::Value& value, const rapidjson::Value& schema, const std::string& path,
           bool root, std::vector<std::string>& pruned) {
  if (value.IsArray()) {
    const rapidjson::Value* items = findMember(schema, "items");
    if (!items || !items->IsObject()) return;
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      prune(value[i], *items, path + "[" + std::to_string(i) + "]", false, pruned);
    }
    return;
  }
  if (!value.IsObject()) return;
  const rapidjson::Value* properties = findMember(schema, "properties");
  const rapidjson::Value* additional = findMember(schema, "additionalProperties");
  const bool keepUnknown = flag(schema, "x-kubernetes-preserve-unknown-fields");
  const bool embedded = root || flag(schema, "x-kubernetes-embedded-resource");
  for (auto member = value.MemberBegin(); member != value.MemberEnd();) {
    const std::string key = member->name.GetString();
    const std::string keyPath = path.empty() ? key : path + "." + key;
    if (embedded && (key == "apiVersion" || key == "kind" || key == "metadata")) {
      ++member;
      continue;
    }
    const rapidjson::Value* declared = properties ? findMember(*properties, key) : nullptr;
    if (declared) {
      prune(member->value, *declared, keyPath, false, pruned);
    } else if (additional && additional->IsObject()) {
      prune(member->value, *additional, keyPath, false, pruned);
    } else if (!keepUnknown && !(additional && additional->IsBool() && additional->GetBool())) {
      pruned.push_back(keyPath);
      member = value.EraseMember(member);
      continue;
    }
    ++member;
  }
}

}  // namespace

std::string experimentCrdPath() {
  return ITER8_SHARED_DIR "/reference/crd-experiments.yaml";
}

rapidjson::Document loadCrdSchema(const std::string& path, const std::string& version) {
  for (const rapidjson::Document& doc : parseYamlDocuments(readTextFile(path))) {
    const rapidjson::Value* kind = findMember(doc, "kind");
    if (!kind || !kind->IsString() ||
        std::string(kind->GetString()) != "CustomResourceDefinition") {
      continue;
    }
    const rapidjson::Value* versions = findPath(doc, {"spec", "versions"});
    if (!versions || !versions->IsArray()) break;
    for (const auto& entry : versions->GetArray()) {
      const rapidjson::Value* name = findMember(entry, "name");
      const rapidjson::Value* schema = findPath(entry, {"schema", "openAPIV3Schema"});
      if (name && name->IsString() && version == name->GetString() && schema) {
        rapidjson::Document copy;
        copy.CopyFrom(*schema, copy.GetAllocator());
        return copy;
      }
    }
    throw std::runtime_error(path + ": no spec.versions[] entry '" + version +
                             "' with schema.openAPIV3Schema");
  }
  throw std::runtime_error(path + ": no CustomResourceDefinition");
}

std::vector<std::string> pruneResource(rapidjson::Value& object, const rapidjson::Value& schema) {
  std::vector<std::string> pruned;
  prune(object, schema, "", true, pruned);
  return pruned;
}

}  // namespace iter8::testing
