// `handler collect-shard` (hidden): one shard of a sharded metrics/collect (docs/scale.md). The
// coordinator (the collect task, in local mode; an Indexed Job's pods in a cluster) starts it
// with the task's resolved TaskSpec, whose `shard` member says how many shards there are, when
// they start and where the results go; this process adds its index, makes the task with the
// plugin that offers it, and runs it. Plugins never talk to Kubernetes: the shard is the same
// task in shard mode, and the handler only hands it its TaskSpec. In a cluster (no -f: a pod of
// the shards' Indexed Job, host/cli/shard_job.h) the TaskSpec is a file of the Job's Secret, the
// experiment comes from the API, and the partial result goes to a ConfigMap for the coordinator.
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>

#include "host/cli/command_table.h"
#include "host/cli/commands.h"
#include "host/cli/shard_job.h"
#include "host/log.h"
#include "host/runner/action.h"
#include "host/runner/exit_code.h"
#include "host/source/local_source.h"
#include "lib/atomic_file.h"
#include "lib/json.h"

namespace po = boost::program_options;

namespace iter8 {
namespace {

// The index: --index, else $JOB_COMPLETION_INDEX. UsageError when neither is a number.
uint64_t shardIndex(const ShardOptions& shard) {
  std::string text = shard.index;
  const char* from = "--index";
  if (text.empty()) {
    const char* env = std::getenv("JOB_COMPLETION_INDEX");
    text = env != nullptr ? env : "";
    from = "JOB_COMPLETION_INDEX";
  }
  if (text.empty()) {
    throw UsageError(
        "handler collect-shard: no shard index: give --index N or set "
        "JOB_COMPLETION_INDEX");
  }
  char* end = nullptr;
  unsigned long long index = std::strtoull(text.c_str(), &end, 10);
  if (*end != '\0' || text[0] == '-') {
    throw UsageError("handler collect-shard: " + std::string(from) + " '" + text +
                     "' is not a shard index; expected an integer from 0");
  }
  return index;
}

std::string readText(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The TaskSpec `text` (from `file`, --task FILE) with `shard.index` set.
// Throws std::runtime_error naming what is wrong.
rapidjson::Document readShardTask(const std::string& text, const std::string& file,
                                  uint64_t index) {
  rapidjson::Document task;
  task.Parse(text.c_str());
  if (task.HasParseError() || !task.IsObject()) {
    throw std::runtime_error(file + ": not a JSON object");
  }
  const rapidjson::Value* name = findMember(task, "task");
  rapidjson::Value* shard = task.HasMember("shard") ? &task["shard"] : nullptr;
  if (name == nullptr || !name->IsString() || shard == nullptr || !shard->IsObject()) {
    throw std::runtime_error(file + ": expected a TaskSpec with 'task' and a 'shard' object");
  }
  shard->RemoveMember("index");
  shard->AddMember("index", static_cast<uint64_t>(index), task.GetAllocator());
  return task;
}

// A pod's private folder for the experiment and the partial result; removed when destroyed.
class PodFolder {
 public:
  PodFolder() {
    const char* base = std::getenv("SCRATCH_DIR");
    if (base == nullptr || *base == '\0') base = std::getenv("TMPDIR");
    if (base == nullptr || *base == '\0') base = "/tmp";
    std::string pattern = std::string(base) + "/iter8-shard-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a folder in " + std::string(base) + ": " +
                               std::strerror(errno));
    }
    path_ = pattern;
  }
  ~PodFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  PodFolder(const PodFolder&) = delete;
  PodFolder& operator=(const PodFolder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string envOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// How far a shard pod's clock may differ from the API server's: the `Date` header has whole
// seconds, so one second of it is rounding, and one more is what a shard may lose at the start
// before its lateness shows in LateSends anyway.
constexpr long kClockBoundSeconds = 2;

// Refuses to start (std::runtime_error) when this pod's clock and the API server's `date` (an
// HTTP date of its last answer) differ by more than kClockBoundSeconds: the common start is an
// instant of the coordinator's clock, and a pod off by seconds would send its share at the wrong
// time. No date: nothing to compare, said at debug level.
void checkClock(const std::string& date, const std::string& label) {
  std::tm tm{};
  const char* end = date.empty() ? nullptr : ::strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) {
    logger().debug("{}: no usable Date header from the API server; clock not compared", label);
    return;
  }
  const auto server = std::chrono::system_clock::from_time_t(::timegm(&tm));
  const long skew = static_cast<long>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - server)
          .count());
  if (std::labs(skew) > kClockBoundSeconds) {
    throw std::runtime_error(
        "this pod's clock is " + std::to_string(std::labs(skew)) + " s " +
        (skew > 0 ? "ahead of" : "behind") + " the API server's (its Date header), more than the " +
        std::to_string(kClockBoundSeconds) +
        " s a shard allows: it would not start at the common instant; refusing to start (fix the "
        "node's time synchronisation)");
  }
}

// A local shard must not outlive its coordinator: killed with SIGKILL, that process can neither
// stop the shard nor read its result, and the shard would go on sending load. So the kernel
// kills the shard when its parent dies; `shard.coordinatorPid` (the coordinator's pid, which
// the shard's parent is while it lives) tells a shard started just as the coordinator died,
// whose parent is already another process, not to start. Throws std::runtime_error then.
void dieWithCoordinator(const rapidjson::Value& shard) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  const rapidjson::Value* pid = findMember(shard, "coordinatorPid");
  if (pid != nullptr && pid->IsInt64() && ::getppid() != static_cast<pid_t>(pid->GetInt64())) {
    throw std::runtime_error("its coordinator (pid " + std::to_string(pid->GetInt64()) +
                             ") is gone; not starting");
  }
}

// A pod's partial result holds at most this many raw latency samples, all versions together.
constexpr uint64_t kPodPartialSamples = 98304;

// In a pod: where the experiment is, whom to hand the partial result to.
struct InCluster {
  std::string ns, name, job;
  std::unique_ptr<kube::KubeClient> client;
  std::unique_ptr<PodFolder> folder;
};

}  // namespace

std::string collectShardHelp() {
  return "Usage: handler collect-shard --task FILE -f FILE [--index N]\n"
         "\n"
         "Runs one shard of a sharded metrics/collect (shards: N) and writes its partial result\n"
         "for the coordinator to merge. Started by the collect task itself, not by hand; see\n"
         "docs/scale.md.\n";
}

po::options_description collectShardOptions(Command& command) {
  po::options_description options("Shard options");
  options.add_options()("task", po::value(&command.shard.task),
                        "the coordinator's TaskSpec (JSON) with its 'shard' member")(
      "file,f", po::value(&command.run.file),
      "the experiment (read only: for the task's checks); default: read from the cluster "
      "($EXPERIMENT_NAME, $EXPERIMENT_NAMESPACE)")(
      "index", po::value(&command.shard.index),
      "this shard's index (default $JOB_COMPLETION_INDEX)")(
      "plugins-dir", po::value(&command.common.pluginDirs)->composing(),
      "folder of task plugins (*.so); repeatable");
  return options;
}

void finishCollectShard(const CommandSpec& row, const std::vector<std::string>& operands,
                        Command&) {
  if (!operands.empty()) {
    throw UsageError("handler " + commandName(row) + ": unexpected argument '" + operands[0] + "'");
  }
}

int collectShardCommand(const Command& command) {
  const uint64_t index = shardIndex(command.shard);
  const std::string label = "collect-shard " + std::to_string(index);
  try {
    if (command.shard.task.empty()) {
      throw UsageError("handler collect-shard: no task: give --task FILE");
    }
    const std::string from = "--task " + command.shard.task;
    const std::string taskText = readText(command.shard.task);
    rapidjson::Document task = readShardTask(taskText, from, index);
    std::string experimentFile = command.run.file;
    if (!experimentFile.empty()) dieWithCoordinator(task["shard"]);
    InCluster cluster;
    if (experimentFile.empty()) {  // a pod of the shards' Job
      cluster.ns = envOrEmpty("EXPERIMENT_NAMESPACE");
      cluster.name = envOrEmpty("EXPERIMENT_NAME");
      cluster.job = envOrEmpty("ITER8_SHARD_JOB");
      if (cluster.ns.empty() || cluster.name.empty() || cluster.job.empty()) {
        throw UsageError(
            "handler collect-shard: no -f FILE, and EXPERIMENT_NAME, EXPERIMENT_NAMESPACE and "
            "ITER8_SHARD_JOB are not all set (a shard pod gets them from its Job)");
      }
      cluster.client = std::make_unique<kube::KubeClient>(kube::loadConfig({}));
      cluster.folder = std::make_unique<PodFolder>();
      experimentFile = cluster.folder->path() + "/experiment.json";
      AtomicWriteOptions privateFile;
      privateFile.mode = 0600;
      writeFileAtomically(experimentFile,
                          toJson(cluster.client->getExperiment(cluster.ns, cluster.name)),
                          privateFile);
      checkClock(cluster.client->lastServerDate(), label);
      auto& a = task.GetAllocator();
      task["shard"].RemoveMember("outputDir");
      task["shard"].AddMember("outputDir", rapidjson::Value(cluster.folder->path(), a), a);
      // The partial goes in a ConfigMap (at most 1 MiB): its exact percentiles' raw samples stay
      // within about half of that (5.3 bytes each in base64); beyond, they go as log buckets.
      task["shard"].RemoveMember("partialSamplesMax");
      task["shard"].AddMember("partialSamplesMax", kPodPartialSamples, a);
    }
    const std::string fullName = task["task"].GetString();
    const size_t slash = fullName.find('/');
    PluginRegistry registry;
    registry.scan(pluginDirsOf(command.common));
    const Plugin& plugin = registry.find(fullName.substr(0, slash));
    LocalExperimentSource source(LocalSourceOptions{experimentFile, "", "", true});
    ResolvedTask resolved(0, fullName, &plugin);
    resolved.context().source = &source;
    resolved.context().label = label + " (" + fullName + ")";
    char error[ITER8_ERROR_BUFFER_SIZE] = {0};
    const std::string json = toJson(task);
    if (plugin.makeTask(json.c_str(), &resolved.services(), &resolved.handle(), error,
                        sizeof error) != ITER8_OK) {
      resolved.handle().destroy = nullptr;  // nothing was made
      logger().error("{}: {}", resolved.context().label, redact(error));
      return kExitInvalidAction;
    }
    iter8_status status =
        resolved.handle().run(resolved.handle().self, &resolved.services(), error, sizeof error);
    const std::string partial =
        cluster.folder ? cluster.folder->path() + "/shard-" + std::to_string(index) + ".json" : "";
    if (cluster.client && std::filesystem::exists(partial)) {  // cancelled ones too: what they sent
      const std::string shardNs = envOrEmpty("ITER8_SHARD_NAMESPACE");
      publishPartial(*cluster.client, shardNs.empty() ? cluster.ns : shardNs, cluster.job, index,
                     readText(partial));
      logger().info("{}: partial result handed to the coordinator (ConfigMap {}-{})", label,
                    cluster.job, index);
    }
    if (status != ITER8_OK) {
      logger().error("{}: {}", resolved.context().label, redact(error));
      return status == ITER8_ERR_CANCELLED ? kExitCancelled : kExitTaskFailed;
    }
    return kExitOk;
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {  // PluginError, SourceError, KubeError, a bad --task
    logger().error("{}: {}", label, redact(e.what()));
    return kExitTaskFailed;
  }
}

}  // namespace iter8
