// A small Kubernetes API client: exactly the calls the handler needs (read an Experiment,
// update its status, read Secrets), with client-go-like robustness.
//
// Every exchange has a timeout. Reads, and status writes (which carry a resourceVersion, so a
// repeated write can never clobber anything: the server answers 409 and we re-read), are
// retried on connection errors, timeouts, 429 and 5xx with capped exponential backoff until
// the call's deadline. 401 refreshes the credentials once (rotated token file, expired exec
// credential). 403, 404 and other 4xx are reported at once, naming the path and, for 403, the
// RBAC permission that is missing. No token or secret value ever reaches a log line or an
// error message.
#pragma once

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>

#include <rapidjson/document.h>

#include "host/source/kube/config.h"

namespace iter8::kube {

// Defaults suit a Job talking to its own cluster's API server: an API server restart or
// rolling upgrade usually completes within the minute.
struct RetryPolicy {
  std::chrono::milliseconds requestTimeout{std::chrono::seconds(10)};        // one exchange
  std::chrono::milliseconds initialBackoff{std::chrono::milliseconds(200)};  // doubles...
  std::chrono::milliseconds maxBackoff{std::chrono::seconds(5)};             // ...up to this
  std::chrono::milliseconds deadline{std::chrono::seconds(60)};  // one call, retries included
  int maxConflictRetries = 5;  // re-read-and-reapply rounds of a status update after 409
  // Outside a pod a refused connection is a cluster not running or a wrong context, not a
  // blip: fail at the first, as kubectl does, instead of retrying up to the deadline.
  bool failFastOnConnect = false;
};

class KubeError : public std::runtime_error {
 public:
  // `status` is the last HTTP status, or 0 when no answer arrived.
  KubeError(long status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  long status() const { return status_; }

 private:
  long status_;
};

// What a request touches, to say which RBAC rule a 403 lacks.
struct ResourceRef {
  std::string verb;      // get, update, ...
  std::string group;     // "" for the core group
  std::string resource;  // plural, with "/subresource" when one is used
  std::string ns;
  std::string name;
};

class KubeClient {
 public:
  explicit KubeClient(ClusterConfig config, RetryPolicy policy = {});

  const ClusterConfig& config() const { return config_; }
  // The `Date` header of the last answer ("" before any, or when the server sent none): the
  // API server's clock, which a shard compares with its own (docs/scale.md).
  const std::string& lastServerDate() const { return lastServerDate_; }
  const RetryPolicy& policy() const { return policy_; }

  // GET /apis/iter8.tools/v2alpha2/namespaces/NS/experiments/NAME.
  rapidjson::Document getExperiment(const std::string& ns, const std::string& name);

  // Reads the experiment, merge-patches its status with `statusPatch` (RFC 7386) and PUTs it
  // to the status subresource with the resourceVersion read. On 409 Conflict it re-reads and
  // re-applies only `statusPatch`, so fields written concurrently by others survive; at most
  // maxConflictRetries times. Returns the object as stored.
  rapidjson::Document updateExperimentStatus(const std::string& ns, const std::string& name,
                                             const rapidjson::Value& statusPatch);

  // GET /api/v1/namespaces/NS/secrets/NAME: `data` base64-decoded, plus any `stringData`
  // (which wins, as on writes). Every value is registered with registerSecret() first.
  std::map<std::string, std::string> getSecret(const std::string& ns, const std::string& name);

  // GET of any API path, retried as above; throws KubeError on failure.
  rapidjson::Document getJson(const std::string& path, const ResourceRef& ref);
  // POST or DELETE of any API path with a JSON body (empty: none), retried as above (a create
  // that landed before its answer was lost then gets 409 AlreadyExists: callers creating under
  // a fixed name treat that as theirs); throws KubeError on failure, 403 naming verb and
  // resource.
  rapidjson::Document sendJson(const std::string& method, const std::string& path,
                               const std::string& body, const ResourceRef& ref);

 private:
  // One exchange, plus one more with fresh credentials after a 401.
  http::Response exchange(const std::string& method, const std::string& path,
                          const std::string& body, std::chrono::milliseconds timeout);
  // exchange() retried per the policy; returns the final answer (2xx or a final error status).
  http::Response call(const std::string& method, const std::string& path, const std::string& body);
  // What to check after a TLS failure (CA, client certificate), naming the config source.
  std::string hintFor(const http::HttpError& error) const;
  // The KubeError for a non-2xx answer to `method path`.
  KubeError failure(const std::string& method, const std::string& path,
                    const http::Response& response, const ResourceRef& ref) const;

  ClusterConfig config_;
  RetryPolicy policy_;
  std::string lastServerDate_;
};

// "/apis/iter8.tools/v2alpha2/namespaces/NS/experiments/NAME" with segments escaped.
std::string experimentPath(const std::string& ns, const std::string& name);
std::string secretPath(const std::string& ns, const std::string& name);

}  // namespace iter8::kube
