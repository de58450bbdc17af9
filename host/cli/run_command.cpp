// `handler run`: read the experiment, resolve the action, run it.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "host/analysis/analysis.h"
#include "host/cli/commands.h"
#include "host/loader/input_validation.h"
#include "host/log.h"
#include "host/runner/action.h"
#include "host/runner/iter8log.h"
#include "host/runner/scratch_dir.h"
#include "host/source/kube_source.h"
#include "host/source/local_source.h"
#include "iter8_version.h"
#include "lib/duration.h"
#include "lib/json.h"
#include "lib/suggest.h"
#include "lib/text.h"

namespace iter8 {
namespace {

std::unique_ptr<ExperimentSource> openSource(const RunOptions& run) {
  if (!run.file.empty()) {
    return std::make_unique<LocalExperimentSource>(
        LocalSourceOptions{run.file, run.output, run.secretsDir, run.dryRun});
  }
  // A sharded metrics/collect runs its shards as an Indexed Job when the handler runs against
  // a cluster (docs/scale.md); the handler says so to the tasks through their environment.
  ::setenv("ITER8_SHARD_MODE", "job", 1);
  return openKubeSource(run.cluster());
}

// A positive Go duration from an option or its environment variable; UsageError otherwise.
std::chrono::milliseconds positiveDuration(const std::string& text, const std::string& what) {
  auto parsed = parseGoDuration(text);
  if (!parsed || parsed->count() <= 0) {
    throw UsageError("handler run: " + what + " " + quoteValue(text) +
                     " is not a positive Go duration such as 30s or 5m");
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
}

// --isolation, --task-timeout and ITER8_STOP_GRACE (docs/operator-guide.md#supervision).
RunSettings runSettingsOf(const RunOptions& run) {
  RunSettings settings;
  if (run.isolation == "none") {
    settings.isolate = false;
  } else if (!run.isolation.empty() && run.isolation != "process") {
    throw UsageError("handler run: --isolation (or ITER8_ISOLATION) " + quoteValue(run.isolation) +
                     " is not 'process' or 'none'");
  }
  if (!run.taskTimeout.empty()) {
    settings.supervise.timeout =
        positiveDuration(run.taskTimeout, "--task-timeout (or ITER8_TASK_TIMEOUT)");
    settings.supervise.timeoutText = run.taskTimeout + " (--task-timeout)";
    if (!settings.isolate) {
      logger().warn("--task-timeout is not enforced with --isolation=none");
    }
  }
  if (const char* grace = std::getenv("ITER8_STOP_GRACE"); grace && *grace) {
    settings.supervise.grace = positiveDuration(grace, "ITER8_STOP_GRACE");
  }
  return settings;
}

// --shards N reaches metrics/collect as ITER8_SHARDS, as the environment variable would (the
// plugin checks the range, 1 to its maximum, and names both). Only the form is checked here.
void exportShards(const RunOptions& run) {
  if (run.shards.empty()) return;
  if (run.shards.find_first_not_of("0123456789") != std::string::npos || run.shards[0] == '0') {
    throw UsageError("handler run: --shards " + quoteValue(run.shards) +
                     " is not a positive integer (the shards of each metrics/collect that does "
                     "not set with.shards)");
  }
  ::setenv("ITER8_SHARDS", run.shards.c_str(), 1);
}

bool isControllerAction(const std::string& name) {
  return name == "start" || name == "loop" || name == "finish" || name == "rollback";
}

// Names under spec.strategy.actions, in the file's order.
std::vector<std::string> definedActions(const rapidjson::Value& experiment) {
  std::vector<std::string> names;
  const rapidjson::Value* actions = actionsOf(experiment);
  if (actions != nullptr && actions->IsObject()) {
    for (const auto& m : actions->GetObject()) names.emplace_back(m.name.GetString());
  }
  return names;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

// Why status cannot be written to `output` ("" when it can, or when no --output was given).
std::string outputProblem(const std::string& output) {
  if (output.empty()) return "";
  std::filesystem::path path(output);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return "is a folder; expected a file";
  std::filesystem::path folder = path.parent_path().empty() ? "." : path.parent_path();
  if (!std::filesystem::is_directory(folder, ec)) {
    return "the folder " + folder.string() + " does not exist";
  }
  // The status is written to a temporary file in the folder, then renamed over the target.
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    return "the folder " + folder.string() + " is not writable (" + std::strerror(errno) + ")";
  }
  return "";
}

// Why the status cannot be written back into the experiment file (-f without -o; "" when it
// can, or when it is not a regular file, such as `-f <(...)`, which the source refuses itself).
std::string inPlaceProblem(const RunOptions& run) {
  if (run.file.empty() || !run.output.empty()) return "";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(run.file, ec)) return "";
  std::string problem = outputProblem(run.file);
  const auto perms = std::filesystem::status(run.file, ec).permissions();
  using std::filesystem::perms;
  // Mode bits first: root may write anything, but the source does not replace a protected file.
  if (problem.empty() && !ec &&
      (perms & (perms::owner_write | perms::group_write | perms::others_write)) == perms::none) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(perms) & 07777);
    problem = std::string("it is read-only (mode ") + mode + ")";
  } else if (problem.empty() && ::access(run.file.c_str(), W_OK) != 0) {
    problem = std::string("it is not writable (") + std::strerror(errno) + ")";
  }
  return problem.empty() ? ""
                         : problem +
                               "; a run writes its status back into it: make it writable or "
                               "give --output FILE";
}

// An action the experiment does not define. The controller calls these whether or not the
// experiment defines them, and a cluster run is always the controller's: exit 0 there, as the
// original. A local run of any other name is a typo.
int undefinedAction(const RunOptions& run, const rapidjson::Value& experiment,
                    const ExperimentSource& source, TerminationLog& terminationLog) {
  if (run.file.empty() || isControllerAction(run.action)) {
    logger().warn("action {} is not defined in {}; nothing to do", quoteValue(run.action),
                  source.describe());
    return kExitOk;
  }
  std::vector<std::string> defined = definedActions(experiment);
  return static_cast<int>(reportFailure(
      terminationLog,
      "action " + quoteValue(run.action) + " is not defined in " + source.describe() +
          didYouMean(run.action, defined) +
          "; it defines: " + (defined.empty() ? std::string("no action") : joinNames(defined)),
      kExitInvalidAction));
}

// run --analyze, after a successful action: as the controller would between loops.
int analyzeAfterAction(ExperimentSource& source, TerminationLog& terminationLog) {
  try {
    logger().info("analysis: {}", analyzeSource(source));
    return kExitOk;
  } catch (const analysis::CriteriaError& e) {
    return static_cast<int>(
        reportFailure(terminationLog, "--analyze: " + std::string(e.what()), kExitInvalidAction));
  } catch (const std::exception& e) {  // SourceError, AnalysisError: the status read back
    return static_cast<int>(
        reportFailure(terminationLog, "--analyze: " + std::string(e.what()), kExitBadExperiment));
  }
}

}  // namespace

namespace {

int runAction(const Command& command) {
  const RunOptions& run = command.run;
  const RunSettings settings = runSettingsOf(run);
  exportShards(run);
  TerminationLog terminationLog(run.terminationLog, run.terminationLogGiven);
  auto fail = [&](ExitCode code, const std::string& message) {
    return static_cast<int>(reportFailure(terminationLog, message, code));
  };

  // Before anything is read or written (the source copies the experiment to --output at once)
  // and before any task runs: finding out after a whole load is too late.
  if (std::string problem = outputProblem(run.output); !problem.empty()) {
    return fail(kExitUsage, "--output " + run.output + ": " + problem);
  }
  // A dry run writes nothing, as kubectl's and helm's; it says what it checked.
  if (run.dryRun && !run.output.empty()) {
    logger().info("--output {} can be written (dry run: nothing written)", run.output);
  }
  std::unique_ptr<ExperimentSource> source;
  rapidjson::Document experiment;
  try {
    source = openSource(run);
    experiment = source->read();
  } catch (const SourceError& e) {
    return fail(kExitBadExperiment, e.what());
  }

  // --analyze: bad criteria are found before a load that would end in no verdict.
  if (run.analyze) {
    try {
      analysis::readExperimentSpec(experiment);
    } catch (const analysis::CriteriaError& e) {
      return fail(kExitInvalidAction, "--analyze: " + std::string(e.what()));
    }
  }
  if (run.strict) setStrictInputs(true);
  if (run.dryRun) setTemplateSyntaxChecks(true);
  PluginRegistry registry;
  registry.scan(pluginDirsOf(command.common));

  try {
    Action action = Action::resolve(run.action, experiment, registry, *source, terminationLog);
    if (!action.defined()) return undefinedAction(run, experiment, *source, terminationLog);
    // After the action is known valid, before any task runs: not after a load.
    if (std::string problem = inPlaceProblem(run); !problem.empty()) {
      return fail(kExitUsage, "--file " + run.file + ": " + problem);
    }
    if (run.dryRun) {
      logger().info("action {}: {} task(s) resolved and valid (dry run: none run)", run.action,
                    action.size());
      return kExitOk;
    }
    // The version in the first line a run logs: a pod's log shows which handler the Job ran.
    logger().info("action {}: running {} task(s) of {} (handler {})", run.action, action.size(),
                  source->describe(), ITER8_VERSION);
    ScratchDir scratch;  // SCRATCH_DIR for the scripts the tasks run
    ExitCode code = action.run(terminationLog, settings);
    if (code == kExitOk) logger().info("action {}: completed", run.action);
    if (code == kExitOk && run.analyze) return analyzeAfterAction(*source, terminationLog);
    return code;
  } catch (const ActionError& e) {
    // The experiment was read, so etc3 printed its Iter8Log here too; a dry run prints none.
    if (!run.dryRun) printIter8Log(experiment, run.action, redact(e.what()), kIter8LogPriorityHigh);
    return fail(e.code(), e.what());
  }
}

}  // namespace

// --list-actions: the names under spec.strategy.actions, one a line (completion of -a).
// Reads only: nothing is copied to --output.
int listActions(const RunOptions& run) {
  RunOptions readOnly = run;
  readOnly.output.clear();
  readOnly.dryRun = true;
  try {
    const rapidjson::Document experiment = openSource(readOnly)->read();
    for (const std::string& name : definedActions(experiment)) {
      std::cout << escapeControl(name) << "\n";  // one name a line, whatever the file holds
    }
    return kExitOk;
  } catch (const SourceError& e) {
    logger().error("{}", e.what());
    return kExitBadExperiment;
  }
}

int runCommand(const Command& command) {
  if (command.run.listActions) return listActions(command.run);
  const int code = runAction(command);
  // The last line repeats every warning, so a misspelt input is not lost in a long load's log.
  logWarningSummary();
  return code;
}

}  // namespace iter8
