// One item of an action's task list, read and checked before any plugin makes it: which task
// it names (`task: library/name`, or a `run:` script for common/run), its `if:` condition, and
// its TaskSpec with `with:` normalised to the task's schema.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <rapidjson/document.h>

#include "host/conditions/conditions.h"
#include "host/loader/plugin_registry.h"

namespace iter8 {

// What is wrong with an item. `task` is what the message calls the item ("" when it has no
// usable name yet, "run" for a run: item); the runner prefixes the action and index.
class TaskItemError : public std::runtime_error {
 public:
  TaskItemError(std::string task, const std::string& what)
      : std::runtime_error(what), task_(std::move(task)) {}
  const std::string& task() const { return task_; }

 private:
  std::string task_;
};

struct TaskItem {
  std::string fullName;  // "library/task"; common/run for a run: item
  std::string label;     // how messages name it: the task name, or "run"
  std::string library;
  std::string task;
  bool isRun = false;
  std::optional<Condition> condition;
};

// Reads the names and the condition of `spec`. Throws TaskItemError.
TaskItem readTaskItem(const rapidjson::Value& spec);

// The plugin and task `item` names; sets `plugin`. Throws TaskItemError (unknown library or
// task, with the closest names).
const TaskInfo& findTaskInfo(const PluginRegistry& registry, const TaskItem& item,
                             const Plugin*& plugin);

// A copy of `spec` whose `with` is an object checked against the task's schema, keys spelled
// as the schema spells them; a run: item's script becomes `with.script`. Each warning (an
// unknown input) goes to `warn`. Throws TaskItemError; `index` only shapes the hint for a
// dedented `with:`.
rapidjson::Document normalizeTaskSpec(const rapidjson::Value& spec, const TaskItem& item,
                                      const TaskInfo& info, std::size_t index,
                                      const std::function<void(const std::string&)>& warn);

}  // namespace iter8
