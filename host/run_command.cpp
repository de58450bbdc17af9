// `handler run`: read the experiment, resolve the action, run it.
#include <cstdlib>
#include <memory>

#include "host/action.h"
#include "host/cluster_source.h"
#include "host/commands.h"
#include "host/iter8log.h"
#include "host/local_source.h"
#include "host/log.h"
#include "host/scratch_dir.h"
#include "lib/duration.h"

namespace iter8 {
namespace {

std::unique_ptr<ExperimentSource> openSource(const RunOptions& run) {
  if (!run.file.empty()) {
    return std::make_unique<LocalExperimentSource>(
        LocalSourceOptions{run.file, run.output, run.secretsDir});
  }
  return openClusterSource(run);
}

// A positive Go duration from an option or its environment variable; UsageError otherwise.
std::chrono::milliseconds positiveDuration(const std::string& text, const std::string& what) {
  auto parsed = parseGoDuration(text);
  if (!parsed || parsed->count() <= 0) {
    throw UsageError("handler run: " + what + " '" + text +
                     "' is not a positive Go duration such as 30s or 5m");
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
}

// --isolation, --task-timeout and ITER8_STOP_GRACE (docs/operator-guide.md#supervision).
RunSettings runSettingsOf(const RunOptions& run) {
  RunSettings settings;
  if (run.isolation == "none") {
    settings.isolate = false;
  } else if (!run.isolation.empty() && run.isolation != "process") {
    throw UsageError("handler run: --isolation (or ITER8_ISOLATION) '" + run.isolation +
                     "' is not 'process' or 'none'");
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

}  // namespace

int runCommand(const Command& command) {
  const RunOptions& run = command.run;
  const RunSettings settings = runSettingsOf(run);
  TerminationLog terminationLog(run.terminationLog, run.terminationLogGiven);
  auto fail = [&](ExitCode code, const std::string& message) {
    std::string line = redact(message);
    logger().error("{}", line);
    terminationLog.append(line);
    return static_cast<int>(code);
  };

  std::unique_ptr<ExperimentSource> source;
  rapidjson::Document experiment;
  try {
    source = openSource(run);
    experiment = source->read();
  } catch (const SourceError& e) {
    return fail(kExitBadExperiment, e.what());
  }

  PluginRegistry registry;
  registry.scan(pluginDirsOf(command.common));

  try {
    Action action = Action::resolve(run.action, experiment, registry, *source, terminationLog);
    if (!action.defined()) {
      logger().warn("action '{}' is not defined in {}; nothing to do", run.action,
                    source->describe());
      return kExitOk;
    }
    if (run.dryRun) {
      logger().info("action {}: {} task(s) resolved and valid (dry run: none run)", run.action,
                    action.size());
      return kExitOk;
    }
    logger().info("action {}: running {} task(s) of {}", run.action, action.size(),
                  source->describe());
    ScratchDir scratch;  // SCRATCH_DIR for the scripts the tasks run
    ExitCode code = action.run(terminationLog, settings);
    if (code == kExitOk) logger().info("action {}: completed", run.action);
    return code;
  } catch (const ActionError& e) {
    // The experiment was read, so etc3 printed its Iter8Log here too; a dry run prints none.
    if (!run.dryRun) printIter8Log(experiment, run.action, redact(e.what()), kIter8LogPriorityHigh);
    return fail(e.code(), e.what());
  }
}

}  // namespace iter8
