// `handler collect-shard-job` (hidden): the coordinator's side of a sharded metrics/collect in a
// cluster (docs/scale.md). The collect task starts it instead of N local shard processes; it
// creates the Indexed Job of shard pods, waits for it, writes each shard's partial result where
// the task reads local shards' (shard-<i>.json in the shard folder), and deletes the Job and the
// partials, whatever happens. The plugin never talks to Kubernetes: this process does.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>

#include "host/cli/command_table.h"
#include "host/cli/commands.h"
#include "host/cli/shard_job.h"
#include "host/log.h"
#include "host/process/cancellation.h"
#include "host/runner/exit_code.h"
#include "lib/atomic_file.h"
#include "lib/json.h"

namespace po = boost::program_options;

namespace iter8 {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kLabel[] = "collect-shard-job";
constexpr auto kPollEvery = std::chrono::milliseconds(500);

std::string requiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) + " is not set; expected the experiment's " +
                             (std::string(name) == "EXPERIMENT_NAME" ? "name" : "namespace") +
                             ", as the Iter8 controller sets it");
  }
  return value;
}

std::string jobsPath(const std::string& ns) {
  return "/apis/batch/v1/namespaces/" + ns + "/jobs";
}
std::string mapsPath(const std::string& ns) {
  return "/api/v1/namespaces/" + ns + "/configmaps";
}

std::string secretsPath(const std::string& ns) {
  return "/api/v1/namespaces/" + ns + "/secrets";
}

// A refused call as one short line: what the handler could not do and the RBAC rule it lacks
// (the API server's own message is long, and the collect task's error quotes this line).
std::string forbidden(const std::string& what, const kube::ResourceRef& ref) {
  return "cannot " + what +
         ": the handler's service account lacks the RBAC permission verb=" + ref.verb +
         " resource=" + ref.resource +
         " apiGroup=" + (ref.group.empty() ? "\"\" (core)" : ref.group) + " namespace=" + ref.ns +
         " (container/rbac.yaml, Role iter8-handlers-shards)";
}

std::string nameOf(const rapidjson::Value& object) {
  const rapidjson::Value* name = findPath(object, {"metadata", "name"});
  return name != nullptr && name->IsString() ? name->GetString() : "";
}

// The partial ConfigMaps of `job`.
rapidjson::Document partials(kube::KubeClient& client, const std::string& ns,
                             const std::string& job) {
  return client.getJson(mapsPath(ns) + "?labelSelector=" + kShardJobLabel + "%3D" + job,
                        {"list", "", "configmaps", ns, ""});
}

// Deletes `job` (foreground: its pods go first, so no shard keeps sending after this) and its
// partials. Never throws: it runs on every way out, and says what it could not remove.
void removeJob(kube::KubeClient& client, const std::string& ns, const std::string& job) {
  try {
    rapidjson::Document maps = partials(client, ns, job);
    for (const auto& map : maps["items"].GetArray()) {
      const std::string name = nameOf(map);
      client.sendJson("DELETE", mapsPath(ns) + "/" + name, "",
                      {"delete", "", "configmaps", ns, name});
    }
  } catch (const std::exception& e) {
    logger().warn("{}: cannot remove the partial results of Job {}: {}", kLabel, job,
                  redact(e.what()));
  }
  try {
    client.sendJson("DELETE", jobsPath(ns) + "/" + job + "?propagationPolicy=Foreground", "",
                    {"delete", "batch", "jobs", ns, job});
    logger().info("{}: Job {} deleted (foreground)", kLabel, job);
  } catch (const kube::KubeError& e) {
    if (e.status() != 404) {
      logger().warn("{}: cannot delete Job {}: {}", kLabel, job, redact(e.what()));
    }
  }
}

// POSTs `body` to `path` and returns the object stored, or a null Document on 409: a create
// retried after a lost answer, so the object of that (fixed) name is this run's.
rapidjson::Document createOnce(kube::KubeClient& client, const std::string& path,
                               const std::string& body, const kube::ResourceRef& create,
                               const std::string& what) {
  try {
    return client.sendJson("POST", path, body, create);
  } catch (const kube::KubeError& e) {
    if (e.status() == 403) {
      throw std::runtime_error(forbidden("create the shards' " + what, create));
    }
    if (e.status() != 409) {
      throw std::runtime_error("cannot create the shards' " + what + ": " + e.what());
    }
  }
  return rapidjson::Document();
}

// A crashed coordinator's Job (and partials) for the same experiment: found by label, removed.
void removeLeftovers(kube::KubeClient& client, const std::string& ns,
                     const std::string& experimentNs, const std::string& experiment) {
  const kube::ResourceRef list{"list", "batch", "jobs", ns, ""};
  rapidjson::Document jobs;
  try {
    jobs = client.getJson(jobsPath(ns) + "?labelSelector=" + kShardsOfLabel + "%3D" + experiment +
                              "%2C" + kShardsOfNamespaceLabel + "%3D" + experimentNs,
                          list);
  } catch (const kube::KubeError& e) {
    if (e.status() == 403)
      throw std::runtime_error(forbidden("look for a crashed run's Job", list));
    throw;
  }
  for (const auto& job : jobs["items"].GetArray()) {
    logger().warn("{}: removing Job {}, left by an earlier run of {} that did not finish", kLabel,
                  nameOf(job), experiment);
    removeJob(client, ns, nameOf(job));
  }
}

// "Complete" or "Failed" once the Job controller has set that condition, else "".
std::string finished(const rapidjson::Value& job) {
  const rapidjson::Value* conditions = findPath(job, {"status", "conditions"});
  if (conditions == nullptr || !conditions->IsArray()) return "";
  for (const auto& condition : conditions->GetArray()) {
    const rapidjson::Value* type = findMember(condition, "type");
    const rapidjson::Value* status = findMember(condition, "status");
    if (type == nullptr || !type->IsString() || status == nullptr || !status->IsString() ||
        std::string(status->GetString()) != "True") {
      continue;
    }
    const std::string name = type->GetString();
    if (name == "Complete" || name == "Failed") return name;
  }
  return "";
}

class JobCleanup {
 public:
  JobCleanup(kube::KubeClient& client, std::string ns, std::string job)
      : client_(client), ns_(std::move(ns)), job_(std::move(job)) {}
  ~JobCleanup() { removeJob(client_, ns_, job_); }
  JobCleanup(const JobCleanup&) = delete;
  JobCleanup& operator=(const JobCleanup&) = delete;

 private:
  kube::KubeClient& client_;
  std::string ns_, job_;
};

int runShardJob(const ShardJobCommandOptions& options) {
  std::ifstream in(options.task);
  if (!in) throw std::runtime_error("--task " + options.task + ": cannot be read");
  std::stringstream taskText;
  taskText << in.rdbuf();
  rapidjson::Document task;
  task.Parse(taskText.str().c_str());
  const rapidjson::Value* count = findPath(task, {"shard", "count"});
  const rapidjson::Value* outputDir = findPath(task, {"shard", "outputDir"});
  const rapidjson::Value* startAt = findPath(task, {"shard", "startAtUnixNs"});
  if (count == nullptr || !count->IsInt() || count->GetInt() < 1 || outputDir == nullptr ||
      !outputDir->IsString() || startAt == nullptr || !startAt->IsInt64()) {
    throw std::runtime_error("--task " + options.task +
                             ": expected a TaskSpec whose 'shard' has count, outputDir and "
                             "startAtUnixNs");
  }
  ShardJobSpec spec;
  spec.ns = requiredEnv("EXPERIMENT_NAMESPACE");
  spec.experiment = requiredEnv("EXPERIMENT_NAME");
  spec.jobNs = ownNamespace(spec.ns);
  spec.count = count->GetInt();
  spec.pod = shardPodTemplateFromEnv();
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06llx",
                static_cast<unsigned long long>(startAt->GetInt64() / 1000000) & 0xffffffULL);
  spec.name = shardJobName(spec.experiment, suffix);
  // The pods read the experiment themselves; their copy of the task has no local folder.
  task["shard"].RemoveMember("outputDir");
  spec.taskJson = toJson(task);
  if (spec.taskJson.size() > kMaxSecretBytes) {
    throw std::runtime_error("the shards' task is " + std::to_string(spec.taskJson.size()) +
                             " bytes (with its payload), more than the " +
                             std::to_string(kMaxSecretBytes) +
                             " a Kubernetes Secret holds, through which the pods get it; use a "
                             "smaller payload, or shards: 1");
  }

  kube::KubeClient client(kube::loadConfig({}));
  removeLeftovers(client, spec.jobNs, spec.ns, spec.experiment);
  rapidjson::Document created =
      createOnce(client, jobsPath(spec.jobNs), toJson(shardJobManifest(spec)),
                 {"create", "batch", "jobs", spec.jobNs, ""}, "Job");
  JobCleanup cleanup(client, spec.jobNs, spec.name);
  if (created.IsNull()) {
    created = client.getJson(jobsPath(spec.jobNs) + "/" + spec.name,
                             {"get", "batch", "jobs", spec.jobNs, spec.name});
  }
  const rapidjson::Value* uid = findPath(created, {"metadata", "uid"});
  createOnce(
      client, secretsPath(spec.jobNs),
      toJson(shardTaskSecret(spec, uid != nullptr && uid->IsString() ? uid->GetString() : "")),
      {"create", "", "secrets", spec.jobNs, ""}, "task Secret");
  logger().info("{}: Job {} created: {} shard pod(s) of {}", kLabel, spec.name, spec.count,
                spec.pod.image);

  const Clock::time_point deadline =
      options.timeoutSeconds > 0 ? Clock::now() + std::chrono::seconds(options.timeoutSeconds)
                                 : Clock::time_point::max();
  std::string outcome;
  // Listed after the Job's state, so a Complete Job's list holds every partial: its pods hand
  // theirs over before they exit. The last list is the one merged.
  rapidjson::Document maps;
  for (;;) {
    rapidjson::Document job = client.getJson(jobsPath(spec.jobNs) + "/" + spec.name,
                                             {"get", "batch", "jobs", spec.jobNs, spec.name});
    outcome = finished(job);
    maps = partials(client, spec.jobNs, spec.name);
    if (!outcome.empty() || maps["items"].Size() >= static_cast<size_t>(spec.count)) break;
    if (cancellationRequested()) {
      outcome = "cancelled";
      break;
    }
    if (Clock::now() >= deadline) {
      outcome = "not finished in time";
      break;
    }
    waitForCancellation(kPollEvery);
  }

  std::set<uint64_t> written;
  for (const auto& map : maps["items"].GetArray()) {
    const rapidjson::Value* index = findPath(map, {"metadata", "labels", kShardIndexLabel});
    const rapidjson::Value* partial = findPath(map, {"data", kPartialKey});
    if (index == nullptr || !index->IsString() || partial == nullptr || !partial->IsString()) {
      logger().warn("{}: ConfigMap {} is not a shard's partial result; ignored", kLabel,
                    nameOf(map));
      continue;
    }
    const uint64_t i = std::strtoull(index->GetString(), nullptr, 10);
    AtomicWriteOptions privateFile;
    privateFile.mode = 0600;
    writeFileAtomically(
        outputDir->GetString() + std::string("/shard-") + std::to_string(i) + ".json",
        partial->GetString(), privateFile);
    written.insert(i);
  }
  logger().info("{}: Job {}: {}; {} of {} shard(s) reported", kLabel, spec.name,
                outcome.empty() ? "all shards reported" : outcome, written.size(), spec.count);
  return outcome == "cancelled" ? kExitCancelled : kExitOk;
}

}  // namespace

std::string collectShardJobHelp() {
  return "Usage: handler collect-shard-job --task FILE [--timeout SECONDS]\n"
         "\n"
         "Runs the shards of a sharded metrics/collect as an Indexed Job in the experiment's\n"
         "namespace and hands their partial results to the collect task. Started by the collect\n"
         "task itself in a cluster, not by hand; see docs/scale.md.\n";
}

po::options_description collectShardJobOptions(Command& command) {
  po::options_description options("Shard Job options");
  options.add_options()("task", po::value(&command.shardJob.task)->required(),
                        "the coordinator's TaskSpec (JSON) with its 'shard' member")(
      "timeout", po::value(&command.shardJob.timeoutSeconds),
      "stop waiting for the shards after this many seconds (default: no limit)");
  return options;
}

int collectShardJobCommand(const Command& command) {
  try {
    return runShardJob(command.shardJob);
  } catch (const std::exception& e) {  // KubeError, ConfigError, a bad --task or environment
    logger().error("{}: {}", kLabel, redact(e.what()));
    return kExitTaskFailed;
  }
}

}  // namespace iter8
