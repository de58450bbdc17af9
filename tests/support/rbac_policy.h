// Kubernetes RBAC for the fake API server: the rules that ClusterRoles and Roles grant a
// service account through ClusterRoleBindings (everywhere) and RoleBindings (in their
// namespace), read from manifests such as container/rbac.yaml and container/install/rbac.yaml,
// and the authorizer's decision for one request. Only what RBAC's rules say: no aggregation,
// no escalation checks, no non-resource URLs (the fake allows discovery to every identity).
#pragma once

#include <string>
#include <vector>

namespace iter8::testing {

// What one request asks for, as the RBAC authorizer sees it.
struct ResourceRequest {
  std::string verb;      // get, list, watch, create, update, patch, delete
  std::string group;     // "" for the core group
  std::string resource;  // "experiments", or with its subresource "experiments/status"
  std::string ns;        // "" when cluster-scoped
  std::string name;      // "" for a list or create
};

class RbacPolicy {
 public:
  // The rules bound to ServiceAccount `ns`/`name` by the documents of `manifestTexts` (YAML,
  // several documents each; other kinds are ignored). Throws std::runtime_error naming a
  // binding whose role is in none of them.
  static RbacPolicy forServiceAccount(const std::vector<std::string>& manifestTexts,
                                      const std::string& ns, const std::string& name);

  // "system:serviceaccount:NS:NAME", the user name the API server gives the account's token.
  const std::string& user() const { return user_; }
  bool allows(const ResourceRequest& request) const;
  // The API server's message for a refused request, e.g. `experiments.iter8.tools "c" is
  // forbidden: User "system:serviceaccount:iter8-system:iter8-handlers" cannot update resource
  // "experiments/status" in API group "iter8.tools" in the namespace "shop"`.
  std::string forbiddenMessage(const ResourceRequest& request) const;

 private:
  struct Grant {
    std::vector<std::string> groups, resources, verbs, names;
    std::string ns;  // "" everywhere (a ClusterRoleBinding)
  };
  std::string user_;
  std::vector<Grant> grants_;
};

}  // namespace iter8::testing
