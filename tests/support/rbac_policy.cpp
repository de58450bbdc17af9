#include "tests/support/rbac_policy.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "lib/json.h"
#include "tests/support/yaml_documents.h"

namespace iter8::testing {
namespace {

std::string text(const rapidjson::Value& object, std::initializer_list<std::string_view> keys) {
  const rapidjson::Value* value = findPath(object, keys);
  return value && value->IsString() ? value->GetString() : "";
}

std::vector<std::string> strings(const rapidjson::Value& rule, const char* key) {
  std::vector<std::string> out;
  const rapidjson::Value* list = findMember(rule, key);
  if (!list || !list->IsArray()) return out;
  for (const auto& item : list->GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString());
  }
  return out;
}

// RBAC's match: the rule lists the value or "*".
bool matches(const std::vector<std::string>& listed, const std::string& value) {
  return std::any_of(listed.begin(), listed.end(),
                     [&](const std::string& item) { return item == "*" || item == value; });
}

}  // namespace

RbacPolicy RbacPolicy::forServiceAccount(const std::vector<std::string>& manifestTexts,
                                         const std::string& ns, const std::string& name) {
  std::vector<rapidjson::Document> documents;
  for (const std::string& manifest : manifestTexts) {
    for (auto& document : parseYamlDocuments(manifest)) documents.push_back(std::move(document));
  }
  // Roles by "Kind/namespace/name" (ClusterRoles without a namespace).
  std::map<std::string, const rapidjson::Value*> roles;
  for (const auto& document : documents) {
    const std::string kind = text(document, {"kind"});
    if (kind == "ClusterRole")
      roles["ClusterRole//" + text(document, {"metadata", "name"})] = &document;
    if (kind == "Role") {
      roles["Role/" + text(document, {"metadata", "namespace"}) + "/" +
            text(document, {"metadata", "name"})] = &document;
    }
  }
  RbacPolicy policy;
  policy.user_ = "system:serviceaccount:" + ns + ":" + name;
  for (const auto& binding : documents) {
    const std::string kind = text(binding, {"kind"});
    if (kind != "ClusterRoleBinding" && kind != "RoleBinding") continue;
    const rapidjson::Value* subjects = findMember(binding, "subjects");
    bool bound = false;
    if (subjects && subjects->IsArray()) {
      for (const auto& subject : subjects->GetArray()) {
        bound = bound || (text(subject, {"kind"}) == "ServiceAccount" &&
                          text(subject, {"name"}) == name && text(subject, {"namespace"}) == ns);
      }
    }
    if (!bound) continue;
    const std::string bindingNs =
        kind == "RoleBinding" ? text(binding, {"metadata", "namespace"}) : "";
    const std::string roleKind = text(binding, {"roleRef", "kind"});
    const std::string key = roleKind + "/" + (roleKind == "Role" ? bindingNs : "") + "/" +
                            text(binding, {"roleRef", "name"});
    auto role = roles.find(key);
    if (role == roles.end()) {
      throw std::runtime_error(kind + " " + text(binding, {"metadata", "name"}) + " binds " + key +
                               ", which no manifest defines");
    }
    const rapidjson::Value* rules = findMember(*role->second, "rules");
    if (!rules || !rules->IsArray()) continue;
    for (const auto& rule : rules->GetArray()) {
      policy.grants_.push_back({strings(rule, "apiGroups"), strings(rule, "resources"),
                                strings(rule, "verbs"), strings(rule, "resourceNames"), bindingNs});
    }
  }
  return policy;
}

bool RbacPolicy::allows(const ResourceRequest& request) const {
  return std::any_of(grants_.begin(), grants_.end(), [&](const Grant& grant) {
    return (grant.ns.empty() || grant.ns == request.ns) && matches(grant.groups, request.group) &&
           matches(grant.resources, request.resource) && matches(grant.verbs, request.verb) &&
           (grant.names.empty() || matches(grant.names, request.name));
  });
}

std::string RbacPolicy::forbiddenMessage(const ResourceRequest& request) const {
  const std::string base = request.resource.substr(0, request.resource.find('/'));
  std::string what = request.group.empty() ? base : base + "." + request.group;
  if (!request.name.empty()) what += " \"" + request.name + "\"";
  std::string message = what + " is forbidden: User \"" + user_ + "\" cannot " + request.verb +
                        " resource \"" + request.resource + "\" in API group \"" + request.group +
                        "\"";
  return message + (request.ns.empty() ? " at the cluster scope"
                                       : " in the namespace \"" + request.ns + "\"");
}

}  // namespace iter8::testing
