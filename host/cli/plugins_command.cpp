// `handler plugins [describe|check]`: what is installed, for operators and plugin authors.
#include <algorithm>
#include <iostream>

#include "host/cli/commands.h"
#include "host/cli/schema_table.h"
#include "host/loader/plugin_registry.h"
#include "host/log.h"
#include "lib/json.h"
#include "lib/suggest.h"
#include "lib/text.h"

namespace iter8 {

std::vector<std::filesystem::path> pluginDirsOf(const CommonOptions& common) {
  std::vector<std::filesystem::path> dirs(common.pluginDirs.begin(), common.pluginDirs.end());
  // A folder the operator named that is not there is a typo worth a warning; the default may
  // legitimately be absent (a build tree, plugins elsewhere).
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      logger().warn("plugin folder {} (--plugins-dir or ITER8_PLUGINS_DIR) is not a folder{}",
                    dir.string(), std::filesystem::exists(dir, ec) ? "" : "; it does not exist");
    }
  }
  if (dirs.empty()) dirs.push_back(defaultPluginDir());
  return dirs;
}

namespace {

rapidjson::Value jsonText(const std::string& s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s, a);
}

int printPluginsJson(const PluginRegistry& registry,
                     const std::vector<std::filesystem::path>& dirs) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  rapidjson::Value folders(rapidjson::kArrayType);
  for (const auto& dir : dirs) folders.PushBack(jsonText(dir.string(), a), a);
  doc.AddMember("pluginFolders", folders, a);
  rapidjson::Value plugins(rapidjson::kArrayType);
  for (const auto& plugin : registry.plugins()) {
    rapidjson::Value p(rapidjson::kObjectType);
    p.AddMember("library", jsonText(plugin.library, a), a);
    p.AddMember("version", jsonText(plugin.version, a), a);
    p.AddMember(
        "abi", jsonText(std::to_string(plugin.abiMajor) + "." + std::to_string(plugin.abiMinor), a),
        a);
    p.AddMember("path", jsonText(plugin.path.string(), a), a);
    p.AddMember("usable", !registry.conflicted(plugin.library), a);
    rapidjson::Value tasks(rapidjson::kArrayType);
    for (const auto& task : plugin.tasks) {
      rapidjson::Value t(rapidjson::kObjectType);
      t.AddMember("name", jsonText(plugin.library + "/" + task.name, a), a);
      t.AddMember("description", jsonText(task.description, a), a);
      tasks.PushBack(t, a);
    }
    p.AddMember("tasks", tasks, a);
    plugins.PushBack(p, a);
  }
  doc.AddMember("plugins", plugins, a);
  rapidjson::Value errors(rapidjson::kArrayType);
  for (const auto& error : registry.loadErrors()) {
    rapidjson::Value e(rapidjson::kObjectType);
    e.AddMember("path", jsonText(error.path.string(), a), a);
    e.AddMember("reason", jsonText(error.reason, a), a);
    errors.PushBack(e, a);
  }
  doc.AddMember("errors", errors, a);
  std::cout << toPrettyJson(doc) << "\n";
  return registry.loadErrors().empty() ? 0 : 1;
}

}  // namespace

int pluginsListCommand(const Command& command) {
  PluginRegistry registry;
  auto dirs = pluginDirsOf(command.common);
  registry.scan(dirs);
  registry.loadAll();  // each plugin first in a child process: a crashing one is reported
  if (command.json) return printPluginsJson(registry, dirs);
  for (const auto& dir : dirs) std::cout << "# plugin folder: " << dir.string() << "\n";
  // One description column for all tasks, so the list reads as a table.
  size_t width = 0;
  for (const auto& plugin : registry.plugins()) {
    for (const auto& task : plugin.tasks) {
      width = std::max(width, plugin.library.size() + 1 + task.name.size());
    }
  }
  for (const auto& plugin : registry.plugins()) {
    std::cout << plugin.library << " " << plugin.version << " (ABI " << plugin.abiMajor << "."
              << plugin.abiMinor << ") " << plugin.path.string()
              << (registry.conflicted(plugin.library) ? "  [unusable: claimed twice]" : "") << "\n";
    for (const auto& task : plugin.tasks) {
      std::string name = plugin.library + "/" + task.name;
      std::cout << "  " << name << std::string(width - name.size() + 2, ' ') << task.description
                << "\n";
    }
  }
  for (const auto& error : registry.loadErrors()) {
    std::cout << "error: " << error.path.string() << " " << error.reason << "\n";
  }
  return registry.loadErrors().empty() ? 0 : 1;
}

int pluginsDescribeCommand(const Command& command) {
  PluginRegistry registry;
  registry.scan(pluginDirsOf(command.common));
  std::string library = command.target;
  std::string task;
  if (size_t slash = library.find('/'); slash != std::string::npos) {
    task = library.substr(slash + 1);
    library = library.substr(0, slash);
  }
  const Plugin* plugin = nullptr;
  try {
    plugin = &registry.find(library);
  } catch (const PluginError& e) {
    // find() already suggests a near name when none matches; a library whose file exists but
    // does not load needs no suggestion (it would be the very name typed).
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::vector<const TaskInfo*> chosen;
  std::vector<std::string> taskNames;
  for (const auto& info : plugin->tasks) {
    taskNames.push_back(info.name);
    if (task.empty() || info.name == task) chosen.push_back(&info);
  }
  if (chosen.empty()) {
    std::string best = closestName(task, taskNames);
    std::string all;
    for (const auto& n : taskNames) all += (all.empty() ? "" : ", ") + library + "/" + n;
    std::cerr << "error: library '" << library << "' has no task '" << task << "'"
              << (best.empty() ? "" : " (did you mean `" + library + "/" + best + "`?)")
              << "; it has " << (all.empty() ? "none" : all) << "\n";
    return 1;
  }
  if (command.json) {
    // The raw schema: of the task, or an object of every task's schema for a library.
    if (!task.empty()) {
      std::cout << toPrettyJson(*chosen.front()->inputSchema) << "\n";
      return 0;
    }
    rapidjson::Document doc(rapidjson::kObjectType);
    for (const TaskInfo* info : chosen) {
      rapidjson::Value schema(*info->inputSchema, doc.GetAllocator());
      doc.AddMember(jsonText(plugin->library + "/" + info->name, doc.GetAllocator()), schema,
                    doc.GetAllocator());
    }
    std::cout << toPrettyJson(doc) << "\n";
    return 0;
  }
  bool first = true;
  for (const TaskInfo* info : chosen) {
    if (!first) std::cout << "\n";
    first = false;
    std::cout << "TASK: " << plugin->library << "/" << info->name << "\n";
    for (const auto& line : wrapWords(info->description, 96)) std::cout << "  " << line << "\n";
    std::cout << "\nINPUTS (under with:):\n" << schemaFieldTable(*info->inputSchema);
  }
  return 0;
}

int pluginsCheckCommand(const Command& command) {
  try {
    Plugin plugin = loadPluginSafely(command.target);
    std::string named = std::filesystem::path(command.target).filename().string();
    if (named != plugin.library + ".so") {
      throw PluginError("provides library '" + plugin.library + "' but is named " + named +
                        "; a library's file must be named after it (" + plugin.library + ".so)");
    }
    std::cout << "ok: " << command.target << " is library '" << plugin.library << "' version "
              << plugin.version << ", ABI " << plugin.abiMajor << "." << plugin.abiMinor << ", "
              << plugin.tasks.size() << " task(s):";
    for (const auto& task : plugin.tasks) std::cout << " " << plugin.library << "/" << task.name;
    std::cout << "\n";
    return 0;
  } catch (const PluginError& e) {
    std::cerr << "error: " << command.target << " " << e.what() << "\n";
    return 1;
  }
}

}  // namespace iter8
