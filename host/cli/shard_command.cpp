// `handler collect-shard` (hidden): one shard of a sharded metrics/collect (docs/scale.md). The
// coordinator (the collect task, in local mode; an Indexed Job's pods in a cluster) starts it
// with the task's resolved TaskSpec, whose `shard` member says how many shards there are, when
// they start and where the results go; this process adds its index, makes the task with the
// plugin that offers it, and runs it. Plugins never talk to Kubernetes: the shard is the same
// task in shard mode, and the handler only hands it its TaskSpec.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>

#include "host/cli/command_table.h"
#include "host/cli/commands.h"
#include "host/log.h"
#include "host/runner/action.h"
#include "host/runner/exit_code.h"
#include "host/source/local_source.h"
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

// The TaskSpec of --task with `shard.index` set. Throws std::runtime_error naming what is wrong.
rapidjson::Document readShardTask(const std::string& file, uint64_t index) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("--task " + file + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document task;
  task.Parse(text.str().c_str());
  if (task.HasParseError() || !task.IsObject()) {
    throw std::runtime_error("--task " + file + ": not a JSON object");
  }
  const rapidjson::Value* name = findMember(task, "task");
  rapidjson::Value* shard = task.HasMember("shard") ? &task["shard"] : nullptr;
  if (name == nullptr || !name->IsString() || shard == nullptr || !shard->IsObject()) {
    throw std::runtime_error("--task " + file +
                             ": expected a TaskSpec with 'task' and a 'shard' object");
  }
  shard->RemoveMember("index");
  shard->AddMember("index", static_cast<uint64_t>(index), task.GetAllocator());
  return task;
}

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
  options.add_options()("task", po::value(&command.shard.task)->required(),
                        "the coordinator's TaskSpec (JSON) with its 'shard' member")(
      "file,f", po::value(&command.run.file)->required(),
      "the experiment (read only: for the task's checks)")(
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
    rapidjson::Document task = readShardTask(command.shard.task, index);
    const std::string fullName = task["task"].GetString();
    const size_t slash = fullName.find('/');
    PluginRegistry registry;
    registry.scan(pluginDirsOf(command.common));
    const Plugin& plugin = registry.find(fullName.substr(0, slash));
    LocalExperimentSource source(LocalSourceOptions{command.run.file, "", "", true});
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
    if (status != ITER8_OK) {
      logger().error("{}: {}", resolved.context().label, redact(error));
      return status == ITER8_ERR_CANCELLED ? kExitCancelled : kExitTaskFailed;
    }
    return kExitOk;
  } catch (const std::exception& e) {  // PluginError, SourceError, a bad --task
    logger().error("{}: {}", label, redact(e.what()));
    return kExitTaskFailed;
  }
}

}  // namespace iter8
