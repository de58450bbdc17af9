// A fake Kubernetes API server for tests: HTTPS on 127.0.0.1 (ephemeral port) with a
// certificate from a test CA, serving Experiments (iter8.tools/v2alpha2, with the status
// subresource), Secrets, ConfigMaps and Jobs (batch/v1), with resourceVersion-based optimistic
// concurrency, pruning by the Experiment CRD's structural schema and injectable faults. What it
// models of the real API server, and what not: docs/fake-apiserver.md.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "tests/support/rbac_policy.h"
#include "tests/support/test_pki.h"

namespace httplib {
class SSLServer;
struct Request;
struct Response;
}  // namespace httplib

namespace iter8::testing {

class FakeApiServer {
 public:
  // Serves with `serverCert` (issued by `ca`). Accepts requests carrying "Bearer <token>", or a
  // client certificate issued by `ca` whose CN is `clientUser` (when not empty). Others get 401.
  FakeApiServer(const PemPair& ca, const PemPair& serverCert, std::string token,
                std::string clientUser = "");
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  // Accept only `token` from now on (a rotated service-account token).
  void setToken(std::string token);
  // Also accept `token` as the control plane's (the Job controller's, the kubelet's, played by
  // tests/job_controller.py): its requests are not the handler's, so RBAC does not apply to them
  // and usedPermissions() does not list them. Empty (the default): no such identity.
  void setControlPlaneToken(std::string token);

  // Experiments are pruned on every write by this openAPIV3Schema (loadCrdSchema), as by a
  // real server. The constructor loads the Experiment CRD from experimentCrdPath() when that
  // file exists; a null Document turns pruning off.
  void setExperimentSchema(rapidjson::Document openApiV3Schema);
  bool prunes() const;
  // The `Warning` header values sent so far, e.g. `299 - "unknown field \"status.x\""`.
  std::vector<std::string> warnings() const;

  // From now on every resource request is authorized by `policy` (the token is its service
  // account) and refused with the API server's 403 message when no rule allows it. Without
  // it, every authenticated request is allowed.
  void enforceRbac(RbacPolicy policy);
  // "VERB GROUP RESOURCE NAMESPACE" of every resource request so far (allowed or not), sorted,
  // each once; GROUP is "core" for the core group, NAMESPACE "-" when cluster-scoped.
  std::vector<std::string> usedPermissions() const;
  // The 403 messages sent for requests the policy refused.
  std::vector<std::string> refusals() const;

  // Stores an object (JSON text), overwriting any, with the next resourceVersion.
  void putExperiment(const std::string& ns, const std::string& name, const std::string& json);
  // Stores a Secret whose `data` holds `values` base64-encoded.
  void putSecret(const std::string& ns, const std::string& name,
                 const std::map<std::string, std::string>& values);
  // Stores a Secret given as JSON text as is (to test stringData or malformed data).
  void putRawSecret(const std::string& ns, const std::string& name, const std::string& json);
  // The stored experiment (a copy); null Document when absent.
  rapidjson::Document experiment(const std::string& ns, const std::string& name) const;

  // Jobs (batch/v1, fake_apiserver_jobs.cpp): created by POST, read, listed by label selector
  // and deleted through the API; these are the test's side, standing in for the Job controller.
  // The stored Job (a copy); null Document when absent.
  rapidjson::Document job(const std::string& ns, const std::string& name) const;
  // The names of the Jobs stored in `ns`, sorted.
  std::vector<std::string> jobNames(const std::string& ns) const;
  // Stores a Job given as JSON text as is (a leftover of an earlier run).
  void putJob(const std::string& ns, const std::string& name, const std::string& json);
  // Sets the Job's final condition as the Job controller would: "Complete" (every index
  // succeeded) or "Failed" (with `reason`, e.g. "BackoffLimitExceeded"). False when absent.
  bool markJobComplete(const std::string& ns, const std::string& name);
  bool markJobFailed(const std::string& ns, const std::string& name, const std::string& reason);
  // A separate process sets the status as the real Job controller does, through the status
  // subresource: PUT (the whole Job; only its status is kept; a stale resourceVersion is a 409)
  // or merge PATCH (application/merge-patch+json; only its `status` applies) on
  // /apis/batch/v1/namespaces/NS/jobs/NAME/status.
  // "NS/NAME POLICY" of every Job deleted through the API, POLICY the propagationPolicy asked
  // for ("Orphan" when none: the API's default for Jobs).
  std::vector<std::string> jobDeletions() const;
  // ConfigMaps (v1) are served the same way (create, get, list by label, delete).
  rapidjson::Document configMap(const std::string& ns, const std::string& name) const;
  std::vector<std::string> configMapNames(const std::string& ns) const;

  // Secrets are served the same way too; a create is refused (422) past 1 MiB of data or with
  // a `data` value that is not base64. Deleting an owner (Background or Foreground) deletes
  // every object whose ownerReferences name its uid, as the garbage collector does.
  std::vector<std::string> secretNames(const std::string& ns) const;
  // The stored Secret (a copy); null Document when absent.
  rapidjson::Document secret(const std::string& ns, const std::string& name) const;

  // A namespaced collection the fake serves generically (fake_apiserver_jobs.cpp).
  struct Collection {
    std::string base;    // "/apis/batch/v1/namespaces/"
    std::string plural;  // "/jobs/"
    std::string what;    // "jobs.batch", as messages name it
    std::string kind;    // "Job.batch", as an Invalid (422) message names it
    std::string apiVersion, listKind;
    bool isJob;  // status, jobDeletions(), Orphan by default
    // What kube-apiserver's validation of this kind would refuse ("" when valid; null: none).
    std::string (*invalid)(const rapidjson::Value& object);
  };
  static const Collection& jobsCollection();
  static const Collection& configMapsCollection();
  static const Collection& secretsCollection();

  // The next `count` requests whose path contains `pathPart` are answered with `status` and a
  // Status body (403 names the verb and resource like the real RBAC message).
  void failNext(int status, int count, const std::string& pathPart = "");
  // The next `count` requests wait `delay` before being handled.
  void delayNext(std::chrono::milliseconds delay, int count);
  // Before each of the next `count` status writes, "another writer" merge-patches the stored
  // status with `statusPatchJson` (new resourceVersion), so the write under test conflicts.
  void interleaveStatusWrite(const std::string& statusPatchJson, int count);

  // Every answer carries a `Date` header, as kube-apiserver's do: the time now plus `offset`
  // (an API server whose clock differs from the client's).
  void setDateOffset(std::chrono::seconds offset);

  // "METHOD PATH -> STATUS" of every request so far.
  std::vector<std::string> requestLog() const;
  int requestCount() const;

 private:
  struct Fault {
    int status;
    int count;
    std::string pathPart;
  };

  void handle(const httplib::Request& request, httplib::Response& response);
  void handleLocked(const httplib::Request& request, httplib::Response& response);
  bool authorized(const httplib::Request& request) const;
  bool isControlPlane(const httplib::Request& request) const;
  // False, with a 403 sent, when the RBAC policy refuses the request.
  bool permitted(const httplib::Request& request, httplib::Response& response);
  void store(const std::string& key, rapidjson::Document object);
  // Prunes an experiment by the schema; returns the Warning header values for what it dropped.
  std::vector<std::string> pruneExperiment(rapidjson::Value& object);
  void serveExperiment(const httplib::Request& request, httplib::Response& response,
                       const std::string& ns, const std::string& name, bool status);
  void serveCollection(const httplib::Request& request, httplib::Response& response,
                       const Collection& kind, const std::string& ns, const std::string& name);
  std::vector<std::string> namesIn(const Collection& kind, const std::string& ns) const;
  rapidjson::Document objectIn(const Collection& kind, const std::string& ns,
                               const std::string& name) const;
  // Deletes what `ownerUid` owns, and what that owns (the garbage collector's cascade).
  void collectGarbage(const std::string& ownerUid);
  void serveJobStatus(const httplib::Request& request, httplib::Response& response,
                      const std::string& ns, const std::string& name);
  bool setJobCondition(const std::string& ns, const std::string& name, const std::string& type,
                       const std::string& reason);

  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  std::atomic<bool> listenReturned_{false};
  int port_ = 0;
  std::string clientUser_;

  mutable std::mutex mutex_;
  std::string token_;
  std::string controlPlaneToken_;
  std::map<std::string, rapidjson::Document> objects_;  // by API path
  long resourceVersion_ = 100;
  std::vector<Fault> faults_;
  std::chrono::milliseconds delay_{0};
  int delayCount_ = 0;
  std::string interleavePatch_;
  int interleaveCount_ = 0;
  std::vector<std::string> log_;
  rapidjson::Document schema_;  // null: no pruning
  std::optional<RbacPolicy> rbac_;
  std::set<std::string> used_;
  std::vector<std::string> refusals_;
  std::vector<std::string> warnings_;
  std::vector<std::string> jobDeletions_;
  std::chrono::seconds dateOffset_{0};
};

}  // namespace iter8::testing
