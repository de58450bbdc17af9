// The cluster mode of a sharded metrics/collect (docs/scale.md): the handler, not the plugin,
// runs the shards as an Indexed Job, because plugins never talk to Kubernetes (DESIGN.md). The
// coordinator's side (`handler collect-shard-job`): clean up a crashed run's Job, create this
// run's, wait for it, hand the shards' partial results to the collect task as files, delete the
// Job (foreground). The shard's side (`handler collect-shard` in a pod): its partial result as a
// ConfigMap the coordinator reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <rapidjson/document.h>

#include "host/source/kube/client.h"

namespace iter8 {

// Labels: every shard Job carries the experiment it loads for (so the next run finds a crashed
// run's Job), every partial ConfigMap the Job it belongs to and its index.
inline constexpr char kShardsOfLabel[] = "iter8.tools/shards-of";
inline constexpr char kShardsOfNamespaceLabel[] = "iter8.tools/shards-of-namespace";
inline constexpr char kShardJobLabel[] = "iter8.tools/shard-job";
inline constexpr char kShardIndexLabel[] = "iter8.tools/shard-index";
// The ConfigMap key that holds a shard's partial result (its JSON text).
inline constexpr char kPartialKey[] = "partial.json";

// The shards' TaskSpec reaches the pods as a file of a Secret volume, not as env or arguments:
// the Job's spec is readable by more people than a Secret, and a fetched payload can exceed
// the 128 KiB that Linux allows one environment string at exec. The Secret is owned by the
// Job, so Kubernetes' garbage collector removes it with the Job.
// The pods mount it at /var/run/iter8/shard.
inline constexpr char kTaskSecretKey[] = "task.json";
// The most a Secret holds (the API server refuses more: "data: Too long").
inline constexpr size_t kMaxSecretBytes = 1024 * 1024;

// What the Job's pods copy from the coordinator's pod, as the handler's Job template passes it
// (container/install): the image by value, the rest through the downward API.
struct ShardPodTemplate {
  std::string image;           // $ITER8_HANDLER_IMAGE (the downward API has no image field)
  std::string serviceAccount;  // $ITER8_SERVICE_ACCOUNT (fieldRef spec.serviceAccountName)
  // resources.requests/limits by name ("cpu", "memory"), from $ITER8_CPU_REQUEST (millicores,
  // resourceFieldRef divisor 1m), $ITER8_MEMORY_REQUEST (bytes), $ITER8_CPU_LIMIT,
  // $ITER8_MEMORY_LIMIT.
  std::map<std::string, std::string> requests, limits;
};

// The coordinator pod's namespace: $ITER8_POD_NAMESPACE (fieldRef metadata.namespace), else the
// service account's `namespace` file, else `fallback`.
std::string ownNamespace(const std::string& fallback);

// Reads the template from the environment; throws std::runtime_error naming the variable
// when the image is missing or a resource value is not a whole number.
ShardPodTemplate shardPodTemplateFromEnv();

struct ShardJobSpec {
  std::string ns, experiment;  // the experiment the shards load for
  // Where the Job and the partials live: the coordinator's own namespace, since a pod can use
  // only a service account of its namespace (the handler's is the controller's namespace).
  std::string jobNs;
  std::string name;  // the Job's name (shardJobName)
  int count = 1;
  std::string taskJson;  // the coordinator's TaskSpec with its `shard` member
  ShardPodTemplate pod;
};

// The Secret that holds the pods' TaskSpec: "<job>-task".
std::string shardTaskSecretName(const std::string& job);

// "<experiment>-shards-<suffix>", at most 52 characters (the Job controller adds to it in pod
// names and labels, which stop at 63).
std::string shardJobName(const std::string& experiment, const std::string& suffix);

// The Indexed Job (completionMode Indexed, completions = parallelism = count, backoffLimit 0:
// a shard pod that fails is not retried, since a retry would send its share late and twice).
// Its pods read the TaskSpec from the Secret shardTaskSecretName(name), mounted read-only, and
// meet the "restricted" Pod Security Standard.
rapidjson::Document shardJobManifest(const ShardJobSpec& spec);

// That Secret, owned by the Job `jobUid` (no blockOwnerDeletion, which would need more RBAC:
// update on jobs/finalizers). Created after the Job, since the owner's uid is needed; a pod that
// starts first waits for the volume, as the kubelet retries a missing Secret.
rapidjson::Document shardTaskSecret(const ShardJobSpec& spec, const std::string& jobUid);

// The shard's side: stores `partialJson` as the ConfigMap "<job>-<index>" labelled for the
// coordinator. A ConfigMap that already exists (a retried create whose first answer was lost)
// is replaced by nothing: the first one stands.
void publishPartial(kube::KubeClient& client, const std::string& ns, const std::string& job,
                    uint64_t index, const std::string& partialJson);

}  // namespace iter8
