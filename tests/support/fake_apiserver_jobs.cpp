// The fake API server's Jobs (batch/v1), ConfigMaps and Secrets (v1): create, get, list by label
// selector, delete with a propagation policy and the garbage collector's cascade, the Jobs' status
// subresource; and the test's hooks that stand in for the Job controller
// (docs/fake-apiserver.md). Nothing runs pods: the test runs them (or tests/job_controller.py, a
// separate process), then marks the Job done.
#include <algorithm>
#include <optional>
#include <sstream>

#include <httplib.h>

#include "lib/base64.h"
#include "lib/json.h"
#include "lib/timestamp.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/fake_apiserver_status.h"

namespace iter8::testing {
namespace {

std::string prefixOf(const FakeApiServer::Collection& kind, const std::string& ns) {
  return kind.base + ns + kind.plural;
}
std::string jobKey(const std::string& ns, const std::string& name) {
  return prefixOf(FakeApiServer::jobsCollection(), ns) + name;
}

void setString(rapidjson::Value& object, const char* name, const std::string& value,
               rapidjson::Document::AllocatorType& a) {
  object.RemoveMember(name);
  object.AddMember(rapidjson::Value(name, a), rapidjson::Value(value, a), a);
}

std::string labelOf(const rapidjson::Value& job, const std::string& key) {
  const rapidjson::Value* labels = findPath(job, {"metadata", "labels"});
  const rapidjson::Value* value = labels != nullptr ? findMember(*labels, key) : nullptr;
  return value != nullptr && value->IsString() ? value->GetString() : "\x01";  // \x01: absent
}

// Equality-based label selectors, as kube-apiserver reads them: "a=b,c==d,e!=f,g,!h".
bool selects(const std::string& selector, const rapidjson::Value& job) {
  std::stringstream terms(selector);
  std::string term;
  while (std::getline(terms, term, ',')) {
    if (term.empty()) continue;
    size_t ne = term.find("!=");
    size_t eq = term.find('=');
    if (ne != std::string::npos) {
      if (labelOf(job, term.substr(0, ne)) == term.substr(ne + 2)) return false;
    } else if (eq != std::string::npos) {
      size_t valueAt = term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
      if (labelOf(job, term.substr(0, eq)) != term.substr(valueAt)) return false;
    } else if (term[0] == '!') {
      if (labelOf(job, term.substr(1)) != "\x01") return false;
    } else if (labelOf(job, term) == "\x01") {
      return false;
    }
  }
  return true;
}

// What the Job validation of kube-apiserver would refuse that a client of ours could get wrong;
// empty when valid.
std::string invalidJob(const rapidjson::Value& job) {
  const rapidjson::Value* containers = findPath(job, {"spec", "template", "spec", "containers"});
  if (containers == nullptr || !containers->IsArray() || containers->Empty()) {
    return "spec.template.spec.containers: Required value";
  }
  const rapidjson::Value* restart = findPath(job, {"spec", "template", "spec", "restartPolicy"});
  if (restart == nullptr || !restart->IsString() ||
      (std::string(restart->GetString()) != "Never" &&
       std::string(restart->GetString()) != "OnFailure")) {
    return "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", "
           "\"Never\"";
  }
  const rapidjson::Value* mode = findPath(job, {"spec", "completionMode"});
  if (mode != nullptr && mode->IsString() && std::string(mode->GetString()) == "Indexed" &&
      findPath(job, {"spec", "completions"}) == nullptr) {
    return "spec.completions: Required value: when completion mode is Indexed";
  }
  return "";
}

// What the Secret validation of kube-apiserver would refuse of a Secret a client of ours writes.
std::string invalidSecret(const rapidjson::Value& secret) {
  const rapidjson::Value* data = findMember(secret, "data");
  if (data == nullptr) return "";
  if (!data->IsObject()) return "data: Invalid value: expected an object";
  size_t total = 0;
  for (const auto& entry : data->GetObject()) {
    std::optional<std::string> bytes =
        entry.value.IsString() ? decodeBase64(entry.value.GetString()) : std::nullopt;
    if (!bytes) return "data[" + std::string(entry.name.GetString()) + "]: not base64";
    total += bytes->size();
  }
  if (total > 1024 * 1024) return "data: Too long: must have at most 1048576 bytes";
  return "";
}

const FakeApiServer::Collection kJobs{"/apis/batch/v1/namespaces/",
                                      "/jobs/",
                                      "jobs.batch",
                                      "Job.batch",
                                      "batch/v1",
                                      "JobList",
                                      true,
                                      invalidJob};
const FakeApiServer::Collection kConfigMaps{
    "/api/v1/namespaces/", "/configmaps/", "configmaps", "ConfigMap", "v1",
    "ConfigMapList",       false,          nullptr};
const FakeApiServer::Collection kSecrets{
    "/api/v1/namespaces/", "/secrets/", "secrets",    "Secret", "v1",
    "SecretList",          false,       invalidSecret};

}  // namespace

const FakeApiServer::Collection& FakeApiServer::jobsCollection() {
  return kJobs;
}
const FakeApiServer::Collection& FakeApiServer::configMapsCollection() {
  return kConfigMaps;
}
const FakeApiServer::Collection& FakeApiServer::secretsCollection() {
  return kSecrets;
}

void FakeApiServer::serveCollection(const httplib::Request& request, httplib::Response& response,
                                    const Collection& kind, const std::string& ns,
                                    const std::string& name) {
  const std::string notFound = kind.what + " \"" + name + "\" not found";
  const std::string prefix = prefixOf(kind, ns);
  if (request.method == "GET" && name.empty()) {
    const std::string selector = request.get_param_value("labelSelector");
    rapidjson::Document list(rapidjson::kObjectType);
    auto& a = list.GetAllocator();
    list.AddMember("apiVersion", rapidjson::Value(kind.apiVersion, a), a);
    list.AddMember("kind", rapidjson::Value(kind.listKind, a), a);
    rapidjson::Value metadata(rapidjson::kObjectType);
    setString(metadata, "resourceVersion", std::to_string(resourceVersion_), a);
    list.AddMember("metadata", metadata, a);
    rapidjson::Value items(rapidjson::kArrayType);
    for (const auto& [key, object] : objects_) {  // a std::map: sorted by name
      if (key.compare(0, prefix.size(), prefix) != 0 || !selects(selector, object)) continue;
      items.PushBack(rapidjson::Value(object, a), a);
    }
    list.AddMember("items", items, a);
    response.set_content(toJson(list), "application/json");
    return;
  }
  if (request.method == "GET") {
    auto found = objects_.find(prefix + name);
    if (found == objects_.end()) return sendStatus(response, 404, notFound);
    response.set_content(toJson(found->second), "application/json");
    return;
  }
  if (request.method == "DELETE" && !name.empty()) {
    auto found = objects_.find(prefix + name);
    if (found == objects_.end()) return sendStatus(response, 404, notFound);
    std::string policy = request.get_param_value("propagationPolicy");
    if (policy.empty() && !request.body.empty()) {  // or in a DeleteOptions body
      rapidjson::Document options;
      options.Parse(request.body.c_str());
      const rapidjson::Value* asked = findMember(options, "propagationPolicy");
      if (asked != nullptr && asked->IsString()) policy = asked->GetString();
    }
    if (policy.empty()) policy = kind.isJob ? "Orphan" : "Background";  // the API's defaults
    if (policy != "Orphan" && policy != "Background" && policy != "Foreground") {
      return sendStatus(response, 400, "unsupported propagationPolicy \"" + policy + "\"");
    }
    if (kind.isJob) jobDeletions_.push_back(ns + "/" + name + " " + policy);
    // No pods to wait for: the object goes at once. A Foreground deletion answers with the
    // object marked for deletion, as the real server's first answer is.
    rapidjson::Document gone = std::move(found->second);
    objects_.erase(found);
    const rapidjson::Value* uid = findPath(gone, {"metadata", "uid"});
    if (policy != "Orphan" && uid != nullptr && uid->IsString()) collectGarbage(uid->GetString());
    auto& a = gone.GetAllocator();
    setString(gone["metadata"], "deletionTimestamp", rfc3339Utc(), a);
    if (policy == "Foreground") {
      rapidjson::Value finalizers(rapidjson::kArrayType);
      finalizers.PushBack("foregroundDeletion", a);
      gone["metadata"].RemoveMember("finalizers");
      gone["metadata"].AddMember("finalizers", finalizers, a);
    }
    response.set_content(toJson(gone), "application/json");
    return;
  }
  if (request.method != "POST" || !name.empty()) {
    return sendStatus(response, 405, request.method + " not served on " + kind.what);
  }
  rapidjson::Document job;
  job.Parse(request.body.c_str());
  if (job.HasParseError() || !job.IsObject()) {
    return sendStatus(response, 400, "the body of the request is not a JSON object");
  }
  auto& a = job.GetAllocator();
  if (!job.HasMember("metadata") || !job["metadata"].IsObject()) {
    job.RemoveMember("metadata");
    job.AddMember("metadata", rapidjson::Value(rapidjson::kObjectType), a);
  }
  rapidjson::Value& metadata = job["metadata"];
  const rapidjson::Value* given = findMember(metadata, "name");
  const rapidjson::Value* generate = findMember(metadata, "generateName");
  std::string jobName = given != nullptr && given->IsString() ? given->GetString() : "";
  if (jobName.empty() && generate != nullptr && generate->IsString() && *generate->GetString()) {
    jobName = generate->GetString() + std::to_string(resourceVersion_ + 1);
  }
  if (jobName.empty()) {
    return sendStatus(response, 422, kind.what + " is invalid: metadata.name: Required value");
  }
  const rapidjson::Value* bodyNs = findMember(metadata, "namespace");
  if (bodyNs != nullptr && bodyNs->IsString() && ns != bodyNs->GetString()) {
    return sendStatus(response, 400,
                      "the namespace of the provided object does not match the namespace sent "
                      "on the request");
  }
  if (std::string why = kind.invalid != nullptr ? kind.invalid(job) : ""; !why.empty()) {
    return sendStatus(response, 422, kind.kind + " \"" + jobName + "\" is invalid: " + why);
  }
  const std::string key = prefix + jobName;
  if (objects_.count(key) != 0) {
    return sendStatus(response, 409, kind.what + " \"" + jobName + "\" already exists",
                      "AlreadyExists");
  }
  setString(metadata, "name", jobName, a);
  setString(metadata, "namespace", ns, a);
  setString(metadata, "uid", "fake-uid-" + std::to_string(resourceVersion_ + 1), a);
  setString(metadata, "creationTimestamp", rfc3339Utc(), a);
  if (kind.isJob) {
    job.RemoveMember("status");
    job.AddMember("status", rapidjson::Value(rapidjson::kObjectType), a);
  }
  store(key, std::move(job));
  response.status = 201;
  response.set_content(toJson(objects_[key]), "application/json");
}

// The status subresource, as the Job controller writes it: only `status` changes, whatever
// else the body holds. PUT takes a whole Job (a stale metadata.resourceVersion is a 409, none is
// unconditional); PATCH takes a JSON merge patch of which only `status` applies.
void FakeApiServer::serveJobStatus(const httplib::Request& request, httplib::Response& response,
                                   const std::string& ns, const std::string& name) {
  auto found = objects_.find(jobKey(ns, name));
  if (request.method == "GET") {
    if (found == objects_.end())
      return sendStatus(response, 404, "jobs.batch \"" + name + "\" not found");
    response.set_content(toJson(found->second), "application/json");
    return;
  }
  if (request.method != "PUT" && request.method != "PATCH") {
    return sendStatus(response, 405, request.method + " not served on jobs.batch/status");
  }
  if (request.method == "PATCH" &&
      request.get_header_value("Content-Type").rfind("application/merge-patch+json", 0) != 0) {
    return sendStatus(response, 415,
                      "the fake serves only application/merge-patch+json patches on jobs/status",
                      "UnsupportedMediaType");
  }
  rapidjson::Document body;
  body.Parse(request.body.c_str());
  if (body.HasParseError() || !body.IsObject()) {
    return sendStatus(response, 400, "the body of the request is not a JSON object");
  }
  if (found == objects_.end()) {
    return sendStatus(response, 404, "jobs.batch \"" + name + "\" not found");
  }
  const rapidjson::Value* newStatus = findMember(body, "status");
  if (newStatus != nullptr && !newStatus->IsObject() && !newStatus->IsNull()) {
    return sendStatus(response, 422,
                      "Job.batch \"" + name + "\" is invalid: status: expected an object");
  }
  rapidjson::Document updated = copyOf(found->second);
  auto& a = updated.GetAllocator();
  if (request.method == "PUT") {
    const rapidjson::Value* bodyName = findPath(body, {"metadata", "name"});
    if (bodyName == nullptr || !bodyName->IsString() || name != bodyName->GetString()) {
      return sendStatus(response, 400, "the name of the object does not match the URL");
    }
    const rapidjson::Value* version = findPath(body, {"metadata", "resourceVersion"});
    const std::string stored = updated["metadata"]["resourceVersion"].GetString();
    if (version != nullptr && version->IsString() && *version->GetString() &&
        stored != version->GetString()) {
      return sendStatus(response, 409,
                        "Operation cannot be fulfilled on jobs.batch \"" + name +
                            "\": the object has been modified; please apply your changes to the "
                            "latest version and try again");
    }
    updated.RemoveMember("status");
    updated.AddMember("status",
                      newStatus != nullptr && newStatus->IsObject()
                          ? rapidjson::Value(*newStatus, a)
                          : rapidjson::Value(rapidjson::kObjectType),
                      a);
  } else if (newStatus != nullptr) {
    if (!updated.HasMember("status") || !updated["status"].IsObject()) {
      updated.RemoveMember("status");
      updated.AddMember("status", rapidjson::Value(rapidjson::kObjectType), a);
    }
    if (newStatus->IsNull()) {
      updated["status"].SetObject();
    } else {
      applyMergePatch(updated["status"], *newStatus, a);
    }
  }
  const std::string key = jobKey(ns, name);
  store(key, std::move(updated));
  response.set_content(toJson(objects_[key]), "application/json");
}

rapidjson::Document FakeApiServer::job(const std::string& ns, const std::string& name) const {
  return objectIn(kJobs, ns, name);
}

std::vector<std::string> FakeApiServer::jobNames(const std::string& ns) const {
  return namesIn(kJobs, ns);
}

std::vector<std::string> FakeApiServer::configMapNames(const std::string& ns) const {
  return namesIn(kConfigMaps, ns);
}

std::vector<std::string> FakeApiServer::secretNames(const std::string& ns) const {
  return namesIn(kSecrets, ns);
}

rapidjson::Document FakeApiServer::secret(const std::string& ns, const std::string& name) const {
  return objectIn(kSecrets, ns, name);
}

rapidjson::Document FakeApiServer::objectIn(const Collection& kind, const std::string& ns,
                                            const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = objects_.find(prefixOf(kind, ns) + name);
  return found == objects_.end() ? rapidjson::Document() : copyOf(found->second);
}

void FakeApiServer::collectGarbage(const std::string& ownerUid) {
  std::vector<std::string> owned;
  for (const auto& [key, object] : objects_) {
    const rapidjson::Value* owners = findPath(object, {"metadata", "ownerReferences"});
    if (owners == nullptr || !owners->IsArray()) continue;
    for (const auto& owner : owners->GetArray()) {
      const rapidjson::Value* uid = findMember(owner, "uid");
      if (uid != nullptr && uid->IsString() && ownerUid == uid->GetString()) owned.push_back(key);
    }
  }
  for (const std::string& key : owned) {
    auto found = objects_.find(key);
    if (found == objects_.end()) continue;
    const rapidjson::Value* uid = findPath(found->second, {"metadata", "uid"});
    const std::string next = uid != nullptr && uid->IsString() ? uid->GetString() : "";
    objects_.erase(found);
    if (!next.empty()) collectGarbage(next);
  }
}

rapidjson::Document FakeApiServer::configMap(const std::string& ns, const std::string& name) const {
  return objectIn(kConfigMaps, ns, name);
}

std::vector<std::string> FakeApiServer::namesIn(const Collection& kind,
                                                const std::string& ns) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  const std::string prefix = prefixOf(kind, ns);
  for (const auto& entry : objects_) {
    if (entry.first.compare(0, prefix.size(), prefix) == 0) {
      names.push_back(entry.first.substr(prefix.size()));
    }
  }
  return names;
}

void FakeApiServer::putJob(const std::string& ns, const std::string& name,
                           const std::string& json) {
  std::lock_guard<std::mutex> lock(mutex_);
  store(jobKey(ns, name), parseJson(json));
}

bool FakeApiServer::markJobComplete(const std::string& ns, const std::string& name) {
  return setJobCondition(ns, name, "Complete", "");
}

bool FakeApiServer::markJobFailed(const std::string& ns, const std::string& name,
                                  const std::string& reason) {
  return setJobCondition(ns, name, "Failed", reason);
}

bool FakeApiServer::setJobCondition(const std::string& ns, const std::string& name,
                                    const std::string& type, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = objects_.find(jobKey(ns, name));
  if (found == objects_.end()) return false;
  rapidjson::Document job = copyOf(found->second);
  auto& a = job.GetAllocator();
  const rapidjson::Value* completions = findPath(job, {"spec", "completions"});
  const int64_t count =
      completions != nullptr && completions->IsInt64() ? completions->GetInt64() : 1;
  rapidjson::Value status(rapidjson::kObjectType);
  rapidjson::Value condition(rapidjson::kObjectType);
  setString(condition, "type", type, a);
  setString(condition, "status", "True", a);
  if (!reason.empty()) setString(condition, "reason", reason, a);
  setString(condition, "lastTransitionTime", rfc3339Utc(), a);
  rapidjson::Value conditions(rapidjson::kArrayType);
  conditions.PushBack(condition, a);
  status.AddMember("conditions", conditions, a);
  if (type == "Complete") {
    status.AddMember("succeeded", count, a);
    const rapidjson::Value* mode = findPath(job, {"spec", "completionMode"});
    if (mode != nullptr && mode->IsString() && std::string(mode->GetString()) == "Indexed") {
      setString(status, "completedIndexes", count == 1 ? "0" : "0-" + std::to_string(count - 1), a);
    }
    setString(status, "completionTime", rfc3339Utc(), a);
  } else {
    status.AddMember("failed", 1, a);
  }
  job.RemoveMember("status");
  job.AddMember("status", status, a);
  store(jobKey(ns, name), std::move(job));
  return true;
}

std::vector<std::string> FakeApiServer::jobDeletions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobDeletions_;
}

}  // namespace iter8::testing
