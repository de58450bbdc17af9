// The fake API server's Jobs (batch/v1), where the sharded collect's tests rely on them matching
// kube-apiserver: create, get, list by label, delete with a propagation policy, RBAC, and the
// hooks that stand in for the Job controller.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "lib/json.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/rbac_policy.h"
#include "tests/support/test_pki.h"

namespace iter8::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kToken[] = "fake-apiserver-jobs-token";
constexpr char kControlPlaneToken[] = "fake-apiserver-jobs-control-plane";
constexpr char kJobs[] = "/apis/batch/v1/namespaces/shop/jobs";

const PemPair& ca() {
  static const PemPair instance = makeCa("fake-apiserver-jobs-ca");
  return instance;
}

std::string indexedJob(const std::string& name, const std::string& labels = R"({"app":"load"})") {
  return R"({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":")" + name + R"(","labels":)" +
         labels +
         R"(},"spec":{"completionMode":"Indexed","completions":3,"parallelism":3,
           "template":{"spec":{"restartPolicy":"Never",
             "containers":[{"name":"shard","image":"iter8-handler:0.1.0"}]}}}})";
}

// RBAC under which service account shop/handler may do `verbs` ("get, list") on batch Jobs in
// shop, and nothing else.
RbacPolicy handlerMayOnJobs(const std::string& verbs) {
  return RbacPolicy::forServiceAccount({R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: jobs, namespace: shop}
rules:
- apiGroups: [batch]
  resources: [jobs]
  verbs: [)" + verbs + R"(]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: jobs, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: jobs}
subjects:
- {kind: ServiceAccount, name: handler, namespace: shop}
)"},
                                       "shop", "handler");
}

class FakeApiServerJobs : public ::testing::Test {
 protected:
  void TearDown() override { std::remove(caFile_.c_str()); }

  httplib::SSLClient& client() { return clientWith(client_, kToken); }
  // A client with the control plane's token (the Job controller's, the kubelet's).
  httplib::SSLClient& controlPlane() { return clientWith(controlPlane_, kControlPlaneToken); }

  httplib::SSLClient& clientWith(std::unique_ptr<httplib::SSLClient>& client, const char* token) {
    if (caFile_.empty()) {
      char pattern[] = "/tmp/fake_apiserver_jobs_test.XXXXXX";
      int fd = ::mkstemp(pattern);
      EXPECT_GE(fd, 0);
      ::close(fd);
      caFile_ = pattern;
      std::ofstream(caFile_) << ca().certPem;
    }
    if (!client) {
      client = std::make_unique<httplib::SSLClient>("127.0.0.1", server_.port());
      client->set_ca_cert_path(caFile_);
      client->enable_server_certificate_verification(true);
      client->set_bearer_token_auth(token);
    }
    return *client;
  }

  FakeApiServer server_{ca(), issueServerCert(ca(), "apiserver"), kToken};
  std::string caFile_;
  std::unique_ptr<httplib::SSLClient> client_, controlPlane_;
};

TEST_F(FakeApiServerJobs, CreateGetListBySelectorAndDeleteForeground) {
  auto created = client().Post(kJobs, indexedJob("load-1"), "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  auto body = parseJson(created->body);
  EXPECT_STREQ(body["metadata"]["namespace"].GetString(), "shop");
  EXPECT_TRUE(body["metadata"].HasMember("resourceVersion"));
  EXPECT_TRUE(body["metadata"].HasMember("uid"));

  auto again = client().Post(kJobs, indexedJob("load-1"), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(parseJson(again->body)["reason"], "AlreadyExists");

  ASSERT_EQ(
      client().Post(kJobs, indexedJob("other", R"({"app":"web"})"), "application/json")->status,
      201);
  auto got = client().Get(std::string(kJobs) + "/load-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(parseJson(got->body)["spec"]["completions"].GetInt(), 3);

  auto listed = client().Get(std::string(kJobs) + "?labelSelector=app%3Dload");
  ASSERT_TRUE(listed);
  auto list = parseJson(listed->body);
  EXPECT_STREQ(list["kind"].GetString(), "JobList");
  ASSERT_EQ(list["items"].Size(), 1u);
  EXPECT_STREQ(list["items"][0]["metadata"]["name"].GetString(), "load-1");
  EXPECT_EQ(
      parseJson(client().Get(std::string(kJobs) + "?labelSelector=app!%3Dload")->body)["items"]
          .Size(),
      1u);
  EXPECT_EQ(parseJson(client().Get(kJobs)->body)["items"].Size(), 2u);

  auto deleted = client().Delete(std::string(kJobs) + "/load-1",
                                 R"({"kind":"DeleteOptions","apiVersion":"v1",)"
                                 R"("propagationPolicy":"Foreground"})",
                                 "application/json");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_THAT(deleted->body, HasSubstr("foregroundDeletion"));
  EXPECT_EQ(client().Get(std::string(kJobs) + "/load-1")->status, 404);
  EXPECT_EQ(client().Delete(std::string(kJobs) + "/other")->status, 200);
  EXPECT_THAT(server_.jobDeletions(), ElementsAre("shop/load-1 Foreground", "shop/other Orphan"));
  EXPECT_THAT(server_.jobNames("shop"), IsEmpty());
}

TEST_F(FakeApiServerJobs, RefusesWhatTheJobValidationRefuses) {
  auto noRestart = client().Post(kJobs, R"({"metadata":{"name":"j"},"spec":{"template":{"spec":{
      "containers":[{"name":"c","image":"i"}]}}}})",
                                 "application/json");
  EXPECT_EQ(noRestart->status, 422);
  EXPECT_THAT(noRestart->body, HasSubstr("restartPolicy"));
  auto noCompletions = client().Post(kJobs, R"({"metadata":{"name":"j"},"spec":{
      "completionMode":"Indexed","template":{"spec":{"restartPolicy":"Never",
      "containers":[{"name":"c","image":"i"}]}}}})",
                                     "application/json");
  EXPECT_EQ(noCompletions->status, 422);
  EXPECT_THAT(noCompletions->body, HasSubstr("spec.completions: Required value"));
  EXPECT_THAT(server_.jobNames("shop"), IsEmpty());
}

TEST_F(FakeApiServerJobs, HooksMarkAJobCompleteOrFailedAsTheJobControllerWould) {
  ASSERT_EQ(client().Post(kJobs, indexedJob("load-1"), "application/json")->status, 201);
  ASSERT_TRUE(server_.markJobComplete("shop", "load-1"));
  auto done = server_.job("shop", "load-1");
  EXPECT_STREQ(done["status"]["conditions"][0]["type"].GetString(), "Complete");
  EXPECT_EQ(done["status"]["succeeded"].GetInt(), 3);
  EXPECT_STREQ(done["status"]["completedIndexes"].GetString(), "0-2");
  ASSERT_TRUE(server_.markJobFailed("shop", "load-1", "BackoffLimitExceeded"));
  auto failed = parseJson(client().Get(std::string(kJobs) + "/load-1")->body);
  EXPECT_STREQ(failed["status"]["conditions"][0]["type"].GetString(), "Failed");
  EXPECT_STREQ(failed["status"]["conditions"][0]["reason"].GetString(), "BackoffLimitExceeded");
  EXPECT_FALSE(server_.markJobComplete("shop", "absent"));
}

// tests/job_controller.py, a separate process, sets a Job's outcome as the Job controller does.
TEST_F(FakeApiServerJobs, TheStatusSubresourceChangesOnlyTheStatus) {
  const std::string status = std::string(kJobs) + "/load-1/status";
  EXPECT_EQ(client()
                .Put(status, R"({"metadata":{"name":"load-1"},"status":{}})", "application/json")
                ->status,
            404);
  auto created = parseJson(client().Post(kJobs, indexedJob("load-1"), "application/json")->body);
  const std::string version = created["metadata"]["resourceVersion"].GetString();

  // PUT: the whole Job back with a status and a changed spec; only the status is kept.
  auto put = client().Put(status,
                          R"({"metadata":{"name":"load-1","resourceVersion":")" + version +
                              R"("},"spec":{"completions":9},"status":{"active":3}})",
                          "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  auto stored = server_.job("shop", "load-1");
  EXPECT_EQ(stored["status"]["active"].GetInt(), 3);
  EXPECT_EQ(stored["spec"]["completions"].GetInt(), 3);
  EXPECT_STRNE(stored["metadata"]["resourceVersion"].GetString(), version.c_str());
  auto stale = client().Put(status,
                            R"({"metadata":{"name":"load-1","resourceVersion":")" + version +
                                R"("},"status":{"active":0}})",
                            "application/json");
  EXPECT_EQ(stale->status, 409);
  EXPECT_THAT(stale->body, HasSubstr("the object has been modified"));
  EXPECT_EQ(client()
                .Put(status, R"({"metadata":{"name":"other"},"status":{}})", "application/json")
                ->status,
            400);

  // Merge PATCH: the condition the coordinator waits for; `spec` in the patch is ignored.
  auto patched = client().Patch(status, R"({"spec":{"parallelism":1},"status":{"active":null,
      "succeeded":3,"conditions":[{"type":"Complete","status":"True"}]}})",
                                "application/merge-patch+json");
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 200) << patched->body;
  auto got = parseJson(client().Get(std::string(kJobs) + "/load-1")->body);
  EXPECT_STREQ(got["status"]["conditions"][0]["type"].GetString(), "Complete");
  EXPECT_EQ(got["status"]["succeeded"].GetInt(), 3);
  EXPECT_FALSE(got["status"].HasMember("active"));
  EXPECT_EQ(got["spec"]["parallelism"].GetInt(), 3);
  auto json = client().Patch(status, R"({"status":{}})", "application/json-patch+json");
  EXPECT_EQ(json->status, 415);
  EXPECT_EQ(parseJson(json->body)["reason"], "UnsupportedMediaType");
}

TEST_F(FakeApiServerJobs, TheControlPlanesTokenIsNotTheHandlersAccount) {
  server_.setControlPlaneToken(kControlPlaneToken);
  server_.enforceRbac(handlerMayOnJobs("create, get"));
  ASSERT_EQ(client().Post(kJobs, indexedJob("load-1"), "application/json")->status, 201);
  const std::string status = std::string(kJobs) + "/load-1/status";
  const std::string complete = R"({"status":{"conditions":[{"type":"Complete","status":"True"}]}})";
  auto refused = client().Patch(status, complete, "application/merge-patch+json");
  EXPECT_EQ(refused->status, 403);
  EXPECT_THAT(refused->body, HasSubstr("cannot patch resource \\\"jobs/status\\\""));
  auto patched = controlPlane().Patch(status, complete, "application/merge-patch+json");
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(controlPlane().Get(kJobs)->status, 200);
  // The handler's permissions are what the handler asked for, not the control plane's.
  EXPECT_THAT(server_.usedPermissions(),
              ElementsAre("create batch jobs shop", "patch batch jobs/status shop"));
  EXPECT_EQ(server_.refusals().size(), 1u);
}

TEST_F(FakeApiServerJobs, RbacIsCheckedWithTheBatchGroup) {
  server_.enforceRbac(handlerMayOnJobs("get, list"));
  EXPECT_EQ(client().Get(kJobs)->status, 200);
  auto refused = client().Post(kJobs, indexedJob("load-1"), "application/json");
  EXPECT_EQ(refused->status, 403);
  EXPECT_THAT(refused->body,
              HasSubstr("cannot create resource \\\"jobs\\\" in API group \\\"batch\\\" in the "
                        "namespace \\\"shop\\\""));
  EXPECT_THAT(server_.usedPermissions(),
              ElementsAre("create batch jobs shop", "list batch jobs shop"));
  EXPECT_THAT(server_.jobNames("shop"), IsEmpty());
}

TEST_F(FakeApiServerJobs, ConfigMapsAreServedTheSameWay) {
  constexpr char kMaps[] = "/api/v1/namespaces/shop/configmaps";
  auto created = client().Post(
      kMaps, R"({"metadata":{"name":"part-0","labels":{"job":"load-1"}},"data":{"a":"1"}})",
      "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(client().Post(kMaps, R"({"metadata":{"name":"part-0"}})", "application/json")->status,
            409);
  ASSERT_EQ(client().Post(kMaps, R"({"metadata":{"name":"other"}})", "application/json")->status,
            201);
  auto list = parseJson(client().Get(std::string(kMaps) + "?labelSelector=job%3Dload-1")->body);
  EXPECT_STREQ(list["kind"].GetString(), "ConfigMapList");
  ASSERT_EQ(list["items"].Size(), 1u);
  EXPECT_STREQ(list["items"][0]["data"]["a"].GetString(), "1");
  EXPECT_EQ(client().Delete(std::string(kMaps) + "/part-0")->status, 200);
  EXPECT_THAT(server_.configMapNames("shop"), ElementsAre("other"));
  EXPECT_THAT(server_.jobDeletions(), IsEmpty());
}

TEST_F(FakeApiServerJobs, SecretsAreCreatedValidatedAndReadBack) {
  constexpr char kSecrets[] = "/api/v1/namespaces/shop/secrets";
  auto created = client().Post(
      kSecrets, R"({"metadata":{"name":"task"},"type":"Opaque","data":{"t":"aGVsbG8="}})",
      "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  auto read = client().Get(std::string(kSecrets) + "/task");
  ASSERT_TRUE(read);
  EXPECT_STREQ(parseJson(read->body)["data"]["t"].GetString(), "aGVsbG8=");
  auto notBase64 = client().Post(kSecrets, R"({"metadata":{"name":"bad"},"data":{"t":"h%llo"}})",
                                 "application/json");
  EXPECT_EQ(notBase64->status, 422) << notBase64->body;
  // 1 MiB of data and one byte more: the API server's limit on a Secret.
  const std::string big = std::string(R"({"metadata":{"name":"big"},"data":{"t":")") +
                          std::string((1024 * 1024 + 3) / 3 * 4, 'A') + R"("}})";
  auto tooLong = client().Post(kSecrets, big, "application/json");
  ASSERT_TRUE(tooLong);
  EXPECT_EQ(tooLong->status, 422);
  EXPECT_THAT(
      parseJson(tooLong->body)["message"].GetString(),
      HasSubstr(R"(Secret "big" is invalid: data: Too long: must have at most 1048576 bytes)"));
  EXPECT_THAT(server_.secretNames("shop"), ElementsAre("task"));
}

TEST_F(FakeApiServerJobs, DeletingAnOwnerDeletesWhatItOwnsUnlessOrphaned) {
  auto job = parseJson(client().Post(kJobs, indexedJob("load-1"), "application/json")->body);
  constexpr char kSecrets[] = "/api/v1/namespaces/shop/secrets";
  const std::string owned = R"({"metadata":{"name":"task","ownerReferences":[{"apiVersion":
      "batch/v1","kind":"Job","name":"load-1","uid":")" +
                            std::string(job["metadata"]["uid"].GetString()) + R"("}]}})";
  ASSERT_EQ(client().Post(kSecrets, owned, "application/json")->status, 201);
  ASSERT_EQ(
      client().Post(kSecrets, R"({"metadata":{"name":"unowned"}})", "application/json")->status,
      201);
  EXPECT_EQ(client().Delete(std::string(kJobs) + "/load-1?propagationPolicy=Foreground")->status,
            200);
  EXPECT_THAT(server_.secretNames("shop"), ElementsAre("unowned"));

  // Orphan (the default for Jobs) leaves the dependents.
  job = parseJson(client().Post(kJobs, indexedJob("load-1"), "application/json")->body);
  ASSERT_EQ(client()
                .Post(kSecrets,
                      R"({"metadata":{"name":"kept","ownerReferences":[{"kind":"Job","uid":")" +
                          std::string(job["metadata"]["uid"].GetString()) + R"("}]}})",
                      "application/json")
                ->status,
            201);
  EXPECT_EQ(client().Delete(std::string(kJobs) + "/load-1")->status, 200);
  EXPECT_THAT(server_.secretNames("shop"), ElementsAre("kept", "unowned"));
}

}  // namespace
}  // namespace iter8::testing
