#include "host/action.h"

#include "host/cancellation.h"
#include "host/input_validation.h"
#include "host/log.h"
#include "lib/json.h"
#include "lib/text.h"

namespace iter8 {
namespace {

constexpr const char* kRunTask = "common/run";

const rapidjson::Value* findActions(const rapidjson::Value& experiment) {
  const rapidjson::Value* spec = findMember(experiment, "spec");
  const rapidjson::Value* strategy = spec ? findMember(*spec, "strategy") : nullptr;
  return strategy ? findMember(*strategy, "actions") : nullptr;
}

std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

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
  const rapidjson::Value* actions = findActions(experiment);
  if (actions != nullptr && !actions->IsObject()) {
    throw ActionError(kExitBadExperiment, "spec.strategy.actions is " +
                                              jsonTypeWithArticle(*actions) +
                                              "; expected an object of action names to task lists");
  }
  const rapidjson::Value* specs = actions ? findMember(*actions, name) : nullptr;
  if (specs == nullptr) return action;
  action.defined_ = true;
  if (!specs->IsArray()) {
    throw ActionError(kExitBadExperiment, "action " + name + " is " + jsonTypeWithArticle(*specs) +
                                              "; expected a list of tasks");
  }

  for (rapidjson::SizeType i = 0; i < specs->Size(); ++i) {
    const rapidjson::Value& spec = (*specs)[i];
    auto fail = [&](const std::string& task, const std::string& what) {
      return ActionError(kExitInvalidAction, taskLabel(name, i, task) + ": " + oneLine(what));
    };
    if (!spec.IsObject()) {
      throw fail("",
                 "is " + jsonTypeWithArticle(spec) + "; expected an object with 'task' or 'run'");
    }
    const rapidjson::Value* taskName = findMember(spec, "task");
    const rapidjson::Value* runText = findMember(spec, "run");
    if (taskName != nullptr && runText != nullptr) {
      throw fail("", "has both 'task' and 'run'; expected exactly one of them");
    }
    if (taskName == nullptr && runText == nullptr) {
      throw fail("",
                 "has no 'task' or 'run' field; expected e.g. task: common/exec or run: echo hi");
    }
    // A `run:` item is the task common/run with the script taken from `run`.
    const bool isRun = runText != nullptr;
    if (isRun && !runText->IsString()) {
      throw fail("run", "'run' is " + jsonTypeWithArticle(*runText) + "; expected a bash script");
    }
    if (!isRun && !taskName->IsString())
      throw fail("", "'task' is " + jsonTypeWithArticle(*taskName) + "; expected a string");
    std::string fullName = isRun ? std::string(kRunTask) : taskName->GetString();
    const std::string label = isRun ? "run" : fullName;
    size_t slash = fullName.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == fullName.size()) {
      throw fail(fullName, "task name must be '<library>/<task>', e.g. common/exec");
    }
    std::optional<Condition> condition;
    if (const rapidjson::Value* ifText = findMember(spec, "if"); ifText && !ifText->IsNull()) {
      if (!ifText->IsString()) {
        throw fail(label, "'if' is " + jsonTypeWithArticle(*ifText) +
                              "; expected a condition such as CandidateWon()");
      }
      condition = parseCondition(ifText->GetString());
      if (!condition) {
        throw fail(label, "unknown condition '" + std::string(ifText->GetString()) +
                              "' in 'if'; supported: " + supportedConditions());
      }
    }
    std::string library = fullName.substr(0, slash);
    std::string task = fullName.substr(slash + 1);

    const Plugin* plugin = nullptr;
    try {
      plugin = &registry.find(library);
    } catch (const PluginError& e) {
      throw fail(label, e.what());
    }
    if (isRun && plugin->findTask(task) == nullptr) {
      throw fail(label, "'run:' items need the task " + fullName + ", which library '" + library +
                            "' (" + plugin->path.string() + ") does not offer");
    }
    const TaskInfo* info = plugin->findTask(task);
    if (info == nullptr) {
      std::string known;
      for (const auto& t : plugin->tasks)
        known += (known.empty() ? "" : ", ") + library + "/" + t.name;
      throw fail(fullName, "library '" + library + "' (" + plugin->path.string() +
                               ") has no task '" + task + "'; it offers " + known);
    }

    // Work on a copy: key normalisation renames inputs, and the experiment stays untouched.
    rapidjson::Document normalized;
    normalized.CopyFrom(spec, normalized.GetAllocator());
    auto with = normalized.FindMember("with");
    if (with == normalized.MemberEnd()) {
      normalized.AddMember("with", rapidjson::Value(rapidjson::kObjectType),
                           normalized.GetAllocator());
      with = normalized.FindMember("with");
    } else if (with->value.IsNull()) {
      with->value.SetObject();
    }
    if (!with->value.IsObject()) {
      throw fail(label,
                 "input 'with' is " + jsonTypeWithArticle(with->value) + "; expected an object");
    }
    if (isRun) {
      if (findMember(with->value, "script") != nullptr) {
        throw fail(label,
                   "input 'with.script' is not allowed on a 'run:' item; the script is 'run'");
      }
      auto& allocator = normalized.GetAllocator();
      with->value.AddMember("script", rapidjson::Value(*runText, allocator), allocator);
      normalized.AddMember("task", rapidjson::Value(kRunTask, allocator), allocator);
    }
    InputCheck check = checkInputs(with->value, normalized.GetAllocator(), *info->inputSchema);
    for (const auto& warning : check.warnings) {
      logger().warn("{}: {}", taskLabel(name, i, label), warning);
    }
    if (!check.ok) throw fail(label, check.error);

    auto resolved = std::make_unique<ResolvedTask>(i, fullName, plugin);
    resolved->context().source = &source;
    resolved->context().terminationLog = &terminationLog;
    resolved->context().label = taskLabel(name, i, label);
    if (condition) resolved->setCondition(std::move(*condition));
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
    action.tasks_.push_back(std::move(resolved));
  }
  return action;
}

ExitCode Action::run(TerminationLog& terminationLog) {
  for (auto& task : tasks_) {
    const std::string& label = task->context().label;
    if (cancellationRequested()) {
      std::string message = label + ": not started; the handler was asked to stop";
      logger().error("{}", message);
      terminationLog.append(message);
      return kExitCancelled;
    }
    if (const auto& condition = task->condition()) {
      bool holds = false;
      try {
        // Read afresh: earlier tasks and loops change the status the condition looks at.
        holds = evaluateCondition(*condition, task->context().source->read());
      } catch (const std::exception& e) {
        std::string message =
            redact(label + ": cannot evaluate 'if: " + condition->text + "': " + oneLine(e.what()));
        logger().error("{}", message);
        terminationLog.append(message);
        return kExitTaskFailed;
      }
      if (!holds) {
        logger().info("{}: skipped: 'if: {}' is false", label, condition->text);
        continue;
      }
      logger().debug("{}: 'if: {}' is true", label, condition->text);
    }
    logger().info("{}: started", label);
    char error[ITER8_ERROR_BUFFER_SIZE] = {0};
    iter8_status status =
        task->handle().run(task->handle().self, &task->services(), error, sizeof error);
    if (status != ITER8_OK) {
      std::string message =
          redact(label + ": " + oneLine(error[0] ? error : "failed without a reason"));
      logger().error("{}", message);
      terminationLog.append(message);
      return status == ITER8_ERR_CANCELLED ? kExitCancelled : kExitTaskFailed;
    }
    logger().info("{}: done", label);
  }
  return kExitOk;
}

}  // namespace iter8
