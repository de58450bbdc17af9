#include "host/cli/shard_job.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "lib/base64.h"
#include "lib/json.h"

namespace iter8 {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

std::string envOr(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// A resource quantity from the downward API (a whole number in the divisor's unit), or "".
std::string quantityFrom(const char* variable, const char* unit) {
  std::string text = envOr(variable);
  if (text.empty() || text == "0") return "";  // 0: none set
  if (text.find_first_not_of("0123456789") != std::string::npos) {
    throw std::runtime_error(std::string(variable) + " is \"" + text +
                             "\"; expected a whole number (resourceFieldRef with divisor " +
                             (*unit != '\0' ? "1m" : "1") + ")");
  }
  return text + unit;
}

rapidjson::Value text(const std::string& value, Allocator& a) {
  return rapidjson::Value(value, a);
}

rapidjson::Value envVar(const std::string& name, const std::string& value, Allocator& a) {
  rapidjson::Value entry(rapidjson::kObjectType);
  entry.AddMember("name", text(name, a), a);
  entry.AddMember("value", text(value, a), a);
  return entry;
}

rapidjson::Value quantities(const std::map<std::string, std::string>& values, Allocator& a) {
  rapidjson::Value object(rapidjson::kObjectType);
  for (const auto& [name, value] : values) object.AddMember(text(name, a), text(value, a), a);
  return object;
}

}  // namespace

std::string ownNamespace(const std::string& fallback) {
  std::string ns = envOr("ITER8_POD_NAMESPACE");
  if (!ns.empty()) return ns;
  std::string dir = envOr("ITER8_SERVICEACCOUNT_DIR");
  std::ifstream in((dir.empty() ? kube::kDefaultServiceAccountDir : dir) +
                   std::string("/namespace"));
  if (in && std::getline(in, ns) && !ns.empty()) return ns;
  return fallback;
}

ShardPodTemplate shardPodTemplateFromEnv() {
  ShardPodTemplate pod;
  pod.image = envOr("ITER8_HANDLER_IMAGE");
  if (pod.image.empty()) {
    throw std::runtime_error(
        "ITER8_HANDLER_IMAGE is not set; expected the handler's image, as the Job template in "
        "container/install sets it, for the shards' pods");
  }
  pod.serviceAccount = envOr("ITER8_SERVICE_ACCOUNT");
  const std::pair<const char*, std::pair<const char*, const char*>> sources[] = {
      {"ITER8_CPU_REQUEST", {"cpu", "m"}},
      {"ITER8_MEMORY_REQUEST", {"memory", ""}},
      {"ITER8_CPU_LIMIT", {"cpu", "m"}},
      {"ITER8_MEMORY_LIMIT", {"memory", ""}}};
  for (const auto& [variable, what] : sources) {
    std::string quantity = quantityFrom(variable, what.second);
    if (quantity.empty()) continue;
    (std::string(variable).find("LIMIT") != std::string::npos ? pod.limits
                                                              : pod.requests)[what.first] =
        quantity;
  }
  return pod;
}

std::string shardJobName(const std::string& experiment, const std::string& suffix) {
  std::string base = experiment.substr(0, 52 - 8 - suffix.size());
  while (!base.empty() && base.back() == '-') base.pop_back();
  return base + "-shards-" + suffix;
}

// The fixed part of the shards' Job. The pods meet the "restricted" Pod Security Standard, as
// the handler's own pod does (container/install/handler.yaml): the image's user 65532, a
// read-only root and, as there, emptyDirs at /tmp and /scratch (the image's SCRATCH_DIR), where
// `collect-shard` keeps the experiment and its partial.
// fsGroup makes the kubelet give the Secret's files that group: 0440 (288) lets the shard read
// them; 0400 would leave them to root.
constexpr char kShardJobSkeleton[] = R"({
  "apiVersion": "batch/v1",
  "kind": "Job",
  "spec": {
    "completionMode": "Indexed",
    "backoffLimit": 0,
    "template": {
      "spec": {
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532,
                            "fsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
          "name": "shard",
          "command": ["handler", "collect-shard", "--task", "/var/run/iter8/shard/task.json"],
          "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                              "capabilities": {"drop": ["ALL"]}},
          "volumeMounts": [{"name": "task", "mountPath": "/var/run/iter8/shard", "readOnly": true},
                           {"name": "tmp", "mountPath": "/tmp"},
                           {"name": "scratch", "mountPath": "/scratch"}]
        }],
        "volumes": [{"name": "task", "secret": {"defaultMode": 288}},
                    {"name": "tmp", "emptyDir": {}}, {"name": "scratch", "emptyDir": {}}]
      }
    }
  }
})";

rapidjson::Document shardJobManifest(const ShardJobSpec& spec) {
  rapidjson::Document job = parseJson(kShardJobSkeleton);
  auto& a = job.GetAllocator();
  rapidjson::Value labels(rapidjson::kObjectType);
  labels.AddMember(rapidjson::StringRef(kShardsOfLabel), text(spec.experiment, a), a);
  labels.AddMember(rapidjson::StringRef(kShardsOfNamespaceLabel), text(spec.ns, a), a);
  labels.AddMember(rapidjson::StringRef(kShardJobLabel), text(spec.name, a), a);
  rapidjson::Value metadata(rapidjson::kObjectType);
  metadata.AddMember("name", text(spec.name, a), a);
  metadata.AddMember("namespace", text(spec.jobNs, a), a);
  metadata.AddMember("labels", rapidjson::Value(labels, a), a);
  job.AddMember("metadata", metadata, a);

  rapidjson::Value& jobSpec = job["spec"];
  jobSpec.AddMember("completions", spec.count, a);
  jobSpec.AddMember("parallelism", spec.count, a);
  rapidjson::Value podMetadata(rapidjson::kObjectType);
  podMetadata.AddMember("labels", labels, a);
  jobSpec["template"].AddMember("metadata", podMetadata, a);
  rapidjson::Value& pod = jobSpec["template"]["spec"];
  if (!spec.pod.serviceAccount.empty()) {
    pod.AddMember("serviceAccountName", text(spec.pod.serviceAccount, a), a);
  }
  pod["volumes"][0]["secret"].AddMember("secretName", text(shardTaskSecretName(spec.name), a), a);

  rapidjson::Value& container = pod["containers"][0];
  container.AddMember("image", text(spec.pod.image, a), a);
  rapidjson::Value env(rapidjson::kArrayType);
  env.PushBack(envVar("EXPERIMENT_NAME", spec.experiment, a), a);
  env.PushBack(envVar("EXPERIMENT_NAMESPACE", spec.ns, a), a);
  env.PushBack(envVar("ITER8_SHARD_JOB", spec.name, a), a);
  env.PushBack(envVar("ITER8_SHARD_NAMESPACE", spec.jobNs, a), a);
  container.AddMember("env", env, a);
  rapidjson::Value resources(rapidjson::kObjectType);
  if (!spec.pod.requests.empty())
    resources.AddMember("requests", quantities(spec.pod.requests, a), a);
  if (!spec.pod.limits.empty()) resources.AddMember("limits", quantities(spec.pod.limits, a), a);
  container.AddMember("resources", resources, a);
  return job;
}

std::string shardTaskSecretName(const std::string& job) {
  return job + "-task";
}

rapidjson::Document shardTaskSecret(const ShardJobSpec& spec, const std::string& jobUid) {
  rapidjson::Document secret(rapidjson::kObjectType);
  auto& a = secret.GetAllocator();
  secret.AddMember("apiVersion", "v1", a);
  secret.AddMember("kind", "Secret", a);
  secret.AddMember("type", "Opaque", a);
  secret.AddMember("immutable", true, a);
  rapidjson::Value owner(rapidjson::kObjectType);
  owner.AddMember("apiVersion", "batch/v1", a);
  owner.AddMember("kind", "Job", a);
  owner.AddMember("name", text(spec.name, a), a);
  owner.AddMember("uid", text(jobUid, a), a);
  rapidjson::Value owners(rapidjson::kArrayType);
  owners.PushBack(owner, a);
  rapidjson::Value labels(rapidjson::kObjectType);
  labels.AddMember(rapidjson::StringRef(kShardJobLabel), text(spec.name, a), a);
  rapidjson::Value metadata(rapidjson::kObjectType);
  metadata.AddMember("name", text(shardTaskSecretName(spec.name), a), a);
  metadata.AddMember("namespace", text(spec.jobNs, a), a);
  metadata.AddMember("labels", labels, a);
  metadata.AddMember("ownerReferences", owners, a);
  secret.AddMember("metadata", metadata, a);
  rapidjson::Value data(rapidjson::kObjectType);
  data.AddMember(rapidjson::StringRef(kTaskSecretKey), text(encodeBase64(spec.taskJson), a), a);
  secret.AddMember("data", data, a);
  return secret;
}

void publishPartial(kube::KubeClient& client, const std::string& ns, const std::string& job,
                    uint64_t index, const std::string& partialJson) {
  const std::string name = job + "-" + std::to_string(index);
  rapidjson::Document map(rapidjson::kObjectType);
  auto& a = map.GetAllocator();
  map.AddMember("apiVersion", "v1", a);
  map.AddMember("kind", "ConfigMap", a);
  rapidjson::Value labels(rapidjson::kObjectType);
  labels.AddMember(rapidjson::StringRef(kShardJobLabel), text(job, a), a);
  labels.AddMember(rapidjson::StringRef(kShardIndexLabel), text(std::to_string(index), a), a);
  rapidjson::Value metadata(rapidjson::kObjectType);
  metadata.AddMember("name", text(name, a), a);
  metadata.AddMember("labels", labels, a);
  map.AddMember("metadata", metadata, a);
  rapidjson::Value data(rapidjson::kObjectType);
  data.AddMember(rapidjson::StringRef(kPartialKey), text(partialJson, a), a);
  map.AddMember("data", data, a);
  try {
    client.sendJson("POST", "/api/v1/namespaces/" + ns + "/configmaps", toJson(map),
                    {"create", "", "configmaps", ns, name});
  } catch (const kube::KubeError& e) {
    if (e.status() != 409) throw;  // 409: our own create landed before its answer was lost
  }
}

}  // namespace iter8
