// The command line as parsed options: `handler <command> [options]`, the commands being the
// rows of host/cli/command_table.h.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "host/source/kube_source.h"

namespace iter8 {

struct CommonOptions {
  std::vector<std::string> pluginDirs;  // --plugins-dir, then ITER8_PLUGINS_DIR, then default
  std::string logLevel = "info";        // --log-level, else LOG_LEVEL
};

inline constexpr const char* kDefaultTerminationLog = "/dev/termination-log";

struct RunOptions {
  std::string action;
  std::string file;  // empty: the experiment is read from the cluster
  std::string output;
  std::string terminationLog = kDefaultTerminationLog;
  bool terminationLogGiven = false;  // --termination-log was on the command line
  std::string secretsDir;
  std::string name;  // cluster mode; default EXPERIMENT_NAME
  std::string ns;    // cluster mode; default EXPERIMENT_NAMESPACE
  std::string kubeconfig;
  std::string context;      // kubeconfig context; empty: current-context
  std::string apiDeadline;  // Go duration: total time per API call, retries included
  bool dryRun = false;
  std::string isolation;     // "process" (default) or "none"; default $ITER8_ISOLATION
  std::string taskTimeout;   // Go duration; default $ITER8_TASK_TIMEOUT; empty: no limit
  std::string shards;        // --shards N: ITER8_SHARDS for the tasks (metrics/collect)
  bool strict = false;       // --strict: unknown inputs are errors (also ITER8_STRICT)
  bool analyze = false;      // --analyze: after the action, the controller's analysis (with -f)
  bool listActions = false;  // --list-actions: print the actions defined, run none

  // The cluster-mode options, for openKubeSource.
  KubeSourceOptions cluster() const { return {name, ns, kubeconfig, context, apiDeadline}; }
};

struct ReportOptions {
  std::string format = "table";  // table, json or html
  std::string output;            // empty: stdout
  bool check = false;            // --check: exit with the verdict's code (docs/report.md#check)
  double confidence = 0;         // --confidence LEVEL; 0: off (the verdict is Iter8's exactly)
};

// The hidden `collect-shard` command (docs/scale.md): one shard of a sharded metrics/collect.
struct ShardOptions {
  std::string task;   // --task: the coordinator's TaskSpec, with its `shard` member
  std::string index;  // --index, else $JOB_COMPLETION_INDEX (an Indexed Job's pod)
};

// The hidden `collect-shard-job` command (docs/scale.md): the shards as an Indexed Job.
struct ShardJobCommandOptions {
  std::string task;        // --task: the coordinator's TaskSpec, with its `shard` member
  int timeoutSeconds = 0;  // --timeout: 0 waits for the Job without limit
};

struct CommandSpec;  // a row of the command table (host/cli/command_table.h)

struct Command {
  const CommandSpec* spec = nullptr;  // its row, whose `run` runs it; nullptr: print helpText
  CommonOptions common;
  RunOptions run;  // report uses its experiment-selecting fields (file, name, ns, kube*)
  ReportOptions report;
  ShardOptions shard;
  ShardJobCommandOptions shardJob;
  std::string target;  // LIBRARY[/TASK] for describe, FILE for check, bash|zsh for completion
  bool json = false;   // plugins [describe] --json
  bool tools = false;  // version --tools
  std::string helpText;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses argv. Throws UsageError with a one-line reason; --help yields a null spec with the
// help text of the command asked about.
Command parseCommandLine(int argc, const char* const argv[]);

}  // namespace iter8
