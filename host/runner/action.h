// An action of an experiment: its TaskSpecs resolved into tasks (all validated before any
// runs), then run in order until the first failure.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "host/conditions/conditions.h"
#include "host/loader/host_services.h"
#include "host/loader/plugin_registry.h"
#include "host/process/supervisor.h"
#include "host/runner/exit_code.h"
#include "host/runner/termination_log.h"

namespace iter8 {

class ActionError : public std::runtime_error {
 public:
  ActionError(ExitCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// One task of the action, made by its plugin. Owns the plugin's task handle and destroys it.
class ResolvedTask {
 public:
  ResolvedTask(size_t index, std::string name, const Plugin* plugin);
  ~ResolvedTask();
  ResolvedTask(const ResolvedTask&) = delete;
  ResolvedTask& operator=(const ResolvedTask&) = delete;

  size_t index() const { return index_; }
  const std::string& name() const { return name_; }
  TaskContext& context() { return context_; }
  const iter8_host_services& services() const { return services_; }
  const Plugin* plugin() const { return plugin_; }
  iter8_task& handle() { return task_; }
  // The `if:` of the TaskSpec; the task runs only when it holds at that moment.
  const std::optional<Condition>& condition() const { return condition_; }
  void setCondition(Condition condition) { condition_ = std::move(condition); }

 private:
  size_t index_;
  std::string name_;
  const Plugin* plugin_;
  TaskContext context_;
  iter8_host_services services_;
  iter8_task task_{};
  std::optional<Condition> condition_;
};

// How tasks run: each in a supervised child process (the default), or in the handler itself
// (--isolation=none, for debugging: a crash or exit of a plugin takes the handler with it).
struct RunSettings {
  bool isolate = true;
  SuperviseOptions supervise;  // time limit and grace, when isolated
};

// Logs a failure (a task's, or the action's before any task ran) with secrets masked and
// appends it to the termination log: the one place a failure reason is reported, so every
// channel carries the same line. Returns `code`.
ExitCode reportFailure(TerminationLog& terminationLog, const std::string& message, ExitCode code);

class Action {
 public:
  // Resolves action `name` of `experiment`: every TaskSpec is checked against its task's
  // schema and made by its plugin. Throws ActionError naming action, task index and name,
  // the input and what was expected. An action the experiment does not define yields an empty
  // action (defined() == false), as the original handler treated it.
  static Action resolve(const std::string& name, const rapidjson::Value& experiment,
                        const PluginRegistry& registry, ExperimentSource& source,
                        TerminationLog& terminationLog);

  bool defined() const { return defined_; }
  size_t size() const { return tasks_.size(); }
  const std::string& name() const { return name_; }

  // Runs the tasks in order; stops at the first failure, whose one-line message goes to the
  // termination log and, as an Iter8Log line, to stdout. Returns the exit code.
  ExitCode run(TerminationLog& terminationLog, const RunSettings& settings = {});

 private:
  std::string name_;
  rapidjson::Document experiment_;  // as read at start: Iter8Log lines name it
  bool defined_ = false;
  std::vector<std::unique_ptr<ResolvedTask>> tasks_;
};

// spec.strategy.actions of `experiment` (the action names and their task lists), or nullptr.
const rapidjson::Value* actionsOf(const rapidjson::Value& experiment);

// "action start, task 2 (common/exec)"; `run:` items are labelled "(run)".
std::string taskLabel(const std::string& action, size_t index, const std::string& task);

}  // namespace iter8
