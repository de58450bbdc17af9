#include "host/runner/action.h"

#include "host/log.h"
#include "host/process/cancellation.h"
#include "host/runner/iter8log.h"
#include "host/runner/task_item.h"
#include "lib/json.h"
#include "lib/text.h"

namespace iter8 {
namespace {

std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// Item `index` of action `name`: read, its task found and its spec normalized, then made by its
// plugin with host services bound to `source` and `terminationLog`. Throws ActionError.
std::unique_ptr<ResolvedTask> resolveTask(const std::string& name, rapidjson::SizeType index,
                                          const rapidjson::Value& spec,
                                          const PluginRegistry& registry, ExperimentSource& source,
                                          TerminationLog& terminationLog) {
  auto fail = [&](const std::string& task, const std::string& what) {
    return ActionError(kExitInvalidAction, taskLabel(name, index, task) + ": " + oneLine(what));
  };
  TaskItem item;
  const Plugin* plugin = nullptr;
  rapidjson::Document normalized;
  try {
    item = readTaskItem(spec);
    const TaskInfo& info = findTaskInfo(registry, item, plugin);
    normalized = normalizeTaskSpec(spec, item, info, index, [&](const std::string& warning) {
      logger().warn("{}: {}", taskLabel(name, index, item.label), warning);
    });
  } catch (const TaskItemError& e) {
    throw fail(e.task(), e.what());
  }
  const std::string& label = item.label;
  auto resolved = std::make_unique<ResolvedTask>(index, item.fullName, plugin);
  resolved->context().source = &source;
  resolved->context().writeTerminationLog = [&terminationLog](const std::string& line) {
    terminationLog.append(line);
  };
  resolved->context().label = taskLabel(name, index, label);
  if (item.condition) resolved->setCondition(std::move(*item.condition));
  char error[ITER8_ERROR_BUFFER_SIZE] = {0};
  std::string json = toJson(normalized);
  iter8_status status = plugin->makeTask(json.c_str(), &resolved->services(), &resolved->handle(),
                                         error, sizeof error);
  if (status != ITER8_OK) {
    resolved->handle().destroy = nullptr;  // nothing was made
    throw fail(label, redact(error[0] ? error : "the plugin refused the task without a reason"));
  }
  if (resolved->handle().run == nullptr || resolved->handle().destroy == nullptr) {
    throw fail(label, "plugin " + plugin->path.string() + " returned a task without run/destroy");
  }
  return resolved;
}

}  // namespace

const rapidjson::Value* actionsOf(const rapidjson::Value& experiment) {
  return findPath(experiment, {"spec", "strategy", "actions"});
}

std::string taskLabel(const std::string& action, size_t index, const std::string& task) {
  // Names are shortened so a huge one cannot push the reason out of a message.
  return "action " + shortenName(action) + ", task " + std::to_string(index) +
         (task.empty() ? std::string() : " (" + shortenName(task) + ")");
}

ResolvedTask::ResolvedTask(size_t index, std::string name, const Plugin* plugin)
    : index_(index), name_(std::move(name)), plugin_(plugin) {
  services_ = makeHostServices(&context_);
  task_.struct_size = sizeof(iter8_task);
}

ResolvedTask::~ResolvedTask() {
  if (task_.destroy != nullptr) task_.destroy(task_.self);
}

Action Action::resolve(const std::string& name, const rapidjson::Value& experiment,
                       const PluginRegistry& registry, ExperimentSource& source,
                       TerminationLog& terminationLog) {
  Action action;
  action.name_ = name;
  action.experiment_.CopyFrom(experiment, action.experiment_.GetAllocator());
  const rapidjson::Value* actions = actionsOf(experiment);
  if (actions != nullptr && !actions->IsObject()) {
    throw ActionError(kExitBadExperiment, "spec.strategy.actions is " +
                                              jsonTypeWithArticle(*actions) +
                                              "; expected an object of action names to task lists");
  }
  const rapidjson::Value* specs = actions ? findMember(*actions, name) : nullptr;
  if (specs == nullptr) return action;
  action.defined_ = true;
  if (specs->IsNull()) return action;  // `loop:` with no value: the original ran nothing, exit 0
  if (!specs->IsArray()) {
    throw ActionError(kExitBadExperiment, "action " + name + " is " + jsonTypeWithArticle(*specs) +
                                              "; expected a list of tasks");
  }

  for (rapidjson::SizeType i = 0; i < specs->Size(); ++i) {
    action.tasks_.push_back(resolveTask(name, i, (*specs)[i], registry, source, terminationLog));
  }
  return action;
}

ExitCode reportFailure(TerminationLog& terminationLog, const std::string& message, ExitCode code) {
  std::string line = redact(message);
  logger().error("{}", line);
  terminationLog.append(line);
  return code;
}

namespace {

// Calls the plugin's run; the message is made one line and masked here, in the process that
// ran the task, which is the one that knows the secrets the task read.
ChildReport runTaskHere(ResolvedTask& task) {
  char error[ITER8_ERROR_BUFFER_SIZE] = {0};
  iter8_status status =
      task.handle().run(task.handle().self, &task.services(), error, sizeof error);
  if (status == ITER8_OK) return {ITER8_OK, ""};
  return {static_cast<int32_t>(status),
          redact(oneLine(error[0] ? error : "failed without a reason"))};
}

}  // namespace

ExitCode Action::run(TerminationLog& terminationLog, const RunSettings& settings) {
  // The one way a task's failure is reported: log, termination log, and etc3's Iter8Log line.
  const auto failTask = [&](const std::string& message, ExitCode code) {
    printIter8Log(experiment_, name_, redact(message), kIter8LogPriorityHigh);
    return reportFailure(terminationLog, message, code);
  };
  for (auto& task : tasks_) {
    const std::string& label = task->context().label;
    if (cancellationRequested()) {
      return failTask(label + ": not started; the handler was asked to stop", kExitCancelled);
    }
    if (const auto& condition = task->condition()) {
      bool holds = false;
      try {
        // Read afresh: earlier tasks (in their own processes) and loops change the status.
        holds = evaluateCondition(*condition, task->context().source->read());
      } catch (const std::exception& e) {
        return failTask(
            label + ": cannot evaluate 'if: " + condition->text + "': " + oneLine(e.what()),
            kExitTaskFailed);
      }
      if (!holds) {
        logger().info("{}: skipped: 'if: {}' is false", label, condition->text);
        continue;
      }
      logger().debug("{}: 'if: {}' is true", label, condition->text);
    }
    logger().info("{}: started", label);
    ChildReport report;
    if (settings.isolate) {
      ChildOutcome outcome = runSupervised(
          [&task] {
            const size_t before = loggedWarnings().size();
            ChildReport done = runTaskHere(*task);
            std::vector<std::string> warnings = loggedWarnings();
            done.warnings.assign(warnings.begin() + static_cast<std::ptrdiff_t>(before),
                                 warnings.end());
            return done;
          },
          settings.supervise);
      rememberWarnings(outcome.report.warnings);
      if (outcome.end != ChildOutcome::End::kReturned) {
        return failTask(label + " " + outcome.reason(settings.supervise),
                        outcome.stopRequested ? kExitCancelled : kExitTaskFailed);
      }
      report = std::move(outcome.report);
    } else {
      report = runTaskHere(*task);
    }
    if (report.status != ITER8_OK) {
      return failTask(label + ": " + report.message,
                      report.status == ITER8_ERR_CANCELLED || cancellationRequested()
                          ? kExitCancelled
                          : kExitTaskFailed);
    }
    logger().info("{}: done", label);
    // etc3's collect task printed this itself; the host does it so the plugin stays unaware.
    if (task->name() == "metrics/collect") {
      printIter8Log(experiment_, name_, kCollectCompletedMessage, kIter8LogPriorityLow);
    }
  }
  return kExitOk;
}

}  // namespace iter8
