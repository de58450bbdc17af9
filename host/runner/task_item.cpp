#include "host/runner/task_item.h"

#include <vector>

#include "host/loader/input_validation.h"
#include "lib/json.h"
#include "lib/suggest.h"

namespace iter8 {
namespace {

constexpr const char* kRunTask = "common/run";

// The `if:` of an item, parsed now so a condition that does not parse stops the action before
// anything runs.
std::optional<Condition> readCondition(const rapidjson::Value& spec, const std::string& label) {
  const rapidjson::Value* ifText = findMember(spec, "if");
  if (ifText == nullptr || ifText->IsNull()) return std::nullopt;
  if (!ifText->IsString()) {
    throw TaskItemError(label, "'if' is " + jsonTypeWithArticle(*ifText) +
                                   "; expected a condition such as CandidateWon()");
  }
  try {
    return parseCondition(ifText->GetString());
  } catch (const ConditionError& e) {
    throw TaskItemError(label, "condition 'if: " + std::string(ifText->GetString()) +
                                   "' does not parse: " + e.what());
  }
}

}  // namespace

TaskItem readTaskItem(const rapidjson::Value& spec) {
  if (!spec.IsObject()) {
    throw TaskItemError(
        "", "is " + jsonTypeWithArticle(spec) + "; expected an object with 'task' or 'run'");
  }
  const rapidjson::Value* taskName = findMember(spec, "task");
  const rapidjson::Value* runText = findMember(spec, "run");
  if (taskName != nullptr && runText != nullptr) {
    throw TaskItemError("", "has both 'task' and 'run'; expected exactly one of them");
  }
  if (taskName == nullptr && runText == nullptr) {
    throw TaskItemError(
        "", "has no 'task' or 'run' field; expected e.g. task: common/exec or run: echo hi");
  }
  TaskItem item;
  // A `run:` item is the task common/run with the script taken from `run`.
  item.isRun = runText != nullptr;
  if (item.isRun && !runText->IsString()) {
    throw TaskItemError("run",
                        "'run' is " + jsonTypeWithArticle(*runText) + "; expected a bash script");
  }
  if (!item.isRun && !taskName->IsString()) {
    throw TaskItemError("", "'task' is " + jsonTypeWithArticle(*taskName) + "; expected a string");
  }
  item.fullName = item.isRun ? std::string(kRunTask) : taskName->GetString();
  item.label = item.isRun ? "run" : item.fullName;
  const size_t slash = item.fullName.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == item.fullName.size()) {
    throw TaskItemError(item.fullName, "task name must be '<library>/<task>', e.g. common/exec");
  }
  item.condition = readCondition(spec, item.label);
  item.library = item.fullName.substr(0, slash);
  item.task = item.fullName.substr(slash + 1);
  return item;
}

const TaskInfo& findTaskInfo(const PluginRegistry& registry, const TaskItem& item,
                             const Plugin*& plugin) {
  try {
    plugin = &registry.find(item.library);
  } catch (const PluginError& e) {
    throw TaskItemError(item.label, e.what());
  }
  const TaskInfo* info = plugin->findTask(item.task);
  if (info != nullptr) return *info;
  if (item.isRun) {
    throw TaskItemError(item.label, "'run:' items need the task " + item.fullName +
                                        ", which library '" + item.library + "' (" +
                                        plugin->path.string() + ") does not offer");
  }
  std::string known;
  std::vector<std::string> names;
  for (const auto& t : plugin->tasks) {
    known += (known.empty() ? "" : ", ") + item.library + "/" + t.name;
    names.push_back(t.name);
  }
  throw TaskItemError(item.fullName, "library '" + item.library + "' (" + plugin->path.string() +
                                         ") has no task '" + item.task + "'" +
                                         didYouMean(item.task, names) + "; it offers " + known);
}

rapidjson::Document normalizeTaskSpec(const rapidjson::Value& spec, const TaskItem& item,
                                      const TaskInfo& info, std::size_t index,
                                      const std::function<void(const std::string&)>& warn) {
  // Work on a copy: key normalisation renames inputs, and the experiment stays untouched.
  rapidjson::Document normalized;
  auto& allocator = normalized.GetAllocator();
  normalized.CopyFrom(spec, allocator);
  auto with = normalized.FindMember("with");
  const bool withMissing = with == normalized.MemberEnd();
  if (withMissing) {
    normalized.AddMember("with", rapidjson::Value(rapidjson::kObjectType), allocator);
    with = normalized.FindMember("with");
  } else if (with->value.IsNull()) {
    with->value.SetObject();
  }
  if (!with->value.IsObject()) {
    throw TaskItemError(
        item.label, "input 'with' is " + jsonTypeWithArticle(with->value) + "; expected an object");
  }
  if (item.isRun) {
    if (findMember(with->value, "script") != nullptr) {
      throw TaskItemError(item.label,
                          "input 'with.script' is not allowed on a 'run:' item; the script is "
                          "'run'");
    }
    with->value.AddMember("script", rapidjson::Value(*findMember(spec, "run"), allocator),
                          allocator);
    normalized.AddMember("task", rapidjson::Value(kRunTask, allocator), allocator);
  }
  InputCheck check = checkInputs(with->value, allocator, *info.inputSchema);
  // A `run:` item's script is its `run` text: name it so.
  auto named = [&item](std::string text) {
    const std::string script = "input 'with.script'";
    if (item.isRun && text.rfind(script, 0) == 0) text.replace(0, script.size(), "input 'run'");
    return text;
  };
  for (const auto& warning : check.warnings) warn(named(warning));
  if (!check.ok) {
    // A `with:` dedented to the level of `- task:` becomes a sibling key elsewhere, and the
    // task then misses every required input: say what the likely mistake is.
    throw TaskItemError(item.label, named(check.error) +
                                        (withMissing && !item.isRun
                                             ? "; task " + std::to_string(index) +
                                                   " has no `with:`; is it indented under the task?"
                                             : std::string()));
  }
  return normalized;
}

}  // namespace iter8
