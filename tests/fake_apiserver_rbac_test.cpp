// RBAC in the fake API server, with the rules of container/'s manifests: what the handler's
// account may do is allowed, anything else gets the API server's 403 message, and every
// (verb, resource) used is recorded.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/support/fake_apiserver.h"
#include "tests/support/rbac_policy.h"
#include "tests/support/test_pki.h"
#include "tests/support/yaml_documents.h"

namespace iter8::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kToken[] = "rbac-test-token";
constexpr char kExperiment[] = "/apis/iter8.tools/v2alpha2/namespaces/shop/experiments/canary";

std::string source(const std::string& path) {
  return readTextFile(std::string(ITER8_SOURCE_DIR) + "/" + path);
}

const PemPair& ca() {
  static const PemPair instance = makeCa("rbac-test-ca");
  return instance;
}

class FakeApiServerRbac : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fake_apiserver_rbac.XXXXXX";
    int fd = ::mkstemp(pattern);
    ASSERT_GE(fd, 0);
    ::close(fd);
    caFile_ = pattern;
    std::ofstream(caFile_) << ca().certPem;
    server_.putExperiment("shop", "canary", R"({"apiVersion":"iter8.tools/v2alpha2",
      "kind":"Experiment","metadata":{"name":"canary","namespace":"shop"},
      "spec":{"target":"shop/app"},"status":{}})");
    server_.putSecret("shop", "hook", {{"token", "t"}});
  }
  void TearDown() override { std::remove(caFile_.c_str()); }

  httplib::Result send(const std::string& method, const std::string& path,
                       const std::string& body = "") {
    httplib::SSLClient client("127.0.0.1", server_.port());
    client.set_ca_cert_path(caFile_);
    client.enable_server_certificate_verification(true);
    client.set_bearer_token_auth(kToken);
    if (method == "GET") return client.Get(path);
    if (method == "PUT") return client.Put(path, body, "application/json");
    return client.Delete(path);
  }

  FakeApiServer server_{ca(), issueServerCert(ca(), "apiserver"), kToken};
  std::string caFile_;
};

constexpr char kBody[] = R"({"metadata":{"name":"canary"},"status":{"stage":"Running"}})";

TEST_F(FakeApiServerRbac, ContainerRbacAllowsWhatTheHandlerCallsAndRefusesTheRest) {
  server_.enforceRbac(RbacPolicy::forServiceAccount({source("container/rbac.yaml")}, "iter8-system",
                                                    "iter8-handlers"));
  EXPECT_EQ(send("GET", kExperiment)->status, 200);
  EXPECT_EQ(send("PUT", std::string(kExperiment) + "/status", kBody)->status, 200);
  EXPECT_EQ(send("GET", "/api/v1/namespaces/shop/secrets/hook")->status, 200);

  auto update = send("PUT", kExperiment, kBody);
  EXPECT_EQ(update->status, 403);
  EXPECT_THAT(
      update->body,
      ::testing::HasSubstr(
          R"(experiments.iter8.tools \"canary\" is forbidden: User \"system:serviceaccount:)"
          R"(iter8-system:iter8-handlers\" cannot update resource \"experiments\" in API )"
          R"(group \"iter8.tools\" in the namespace \"shop\")"));
  auto list = send("GET", "/api/v1/namespaces/shop/secrets");
  EXPECT_EQ(list->status, 403);
  EXPECT_THAT(server_.refusals(),
              ElementsAre(::testing::HasSubstr("cannot update resource \"experiments\""),
                          "secrets is forbidden: User \"system:serviceaccount:iter8-system:"
                          "iter8-handlers\" cannot list resource \"secrets\" in API group \"\" "
                          "in the namespace \"shop\""));
  EXPECT_THAT(server_.usedPermissions(),
              ElementsAre("get core secrets shop", "get iter8.tools experiments shop",
                          "list core secrets shop", "update iter8.tools experiments shop",
                          "update iter8.tools experiments/status shop"));
}

TEST_F(FakeApiServerRbac, ARoleBindingGrantsOnlyInItsNamespace) {
  // iter8-handlers-kubectl is bound in shop only: deployments elsewhere are refused.
  server_.enforceRbac(RbacPolicy::forServiceAccount({source("container/rbac.yaml")}, "iter8-system",
                                                    "iter8-handlers"));
  EXPECT_EQ(send("GET", "/apis/apps/v1/namespaces/shop/deployments/app")->status, 404);
  EXPECT_EQ(send("GET", "/apis/apps/v1/namespaces/other/deployments/app")->status, 403);
  EXPECT_EQ(send("DELETE", "/apis/apps/v1/namespaces/shop/deployments/app")->status, 403);
  // Another account's token would be another user; the policy is this account's only.
  auto policy = RbacPolicy::forServiceAccount({source("container/rbac.yaml")}, "default", "x");
  EXPECT_FALSE(policy.allows({"get", "iter8.tools", "experiments", "shop", "canary"}));
}

TEST_F(FakeApiServerRbac, TheInstallsRulesPlusTheOverlaysCoverTheHandlersCalls) {
  server_.enforceRbac(RbacPolicy::forServiceAccount(
      {source("tests/install/iter8-v0.7-handler-rbac.yaml"), source("container/install/rbac.yaml")},
      "iter8-system", "iter8-handlers"));
  EXPECT_EQ(send("GET", kExperiment)->status, 200);
  EXPECT_EQ(send("PUT", std::string(kExperiment) + "/status", kBody)->status, 200);
  EXPECT_EQ(send("GET", "/api/v1/namespaces/shop/secrets/hook")->status, 200);
  // Without the overlay's role the install refuses the secret.
  server_.enforceRbac(RbacPolicy::forServiceAccount(
      {source("tests/install/iter8-v0.7-handler-rbac.yaml")}, "iter8-system", "iter8-handlers"));
  EXPECT_EQ(send("GET", "/api/v1/namespaces/shop/secrets/hook")->status, 403);
}

}  // namespace
}  // namespace iter8::testing
