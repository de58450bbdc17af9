// `handler plugins [describe|check]`: what is installed, for operators and plugin authors.
#include <iostream>

#include "host/commands.h"
#include "host/log.h"
#include "host/plugin_registry.h"
#include "lib/json.h"

namespace iter8 {

std::vector<std::filesystem::path> pluginDirsOf(const CommonOptions& common) {
  std::vector<std::filesystem::path> dirs(common.pluginDirs.begin(), common.pluginDirs.end());
  if (dirs.empty()) dirs.push_back(defaultPluginDir());
  return dirs;
}

int pluginsListCommand(const Command& command) {
  PluginRegistry registry;
  auto dirs = pluginDirsOf(command.common);
  registry.scan(dirs);
  registry.loadAll();  // each plugin first in a child process: a crashing one is reported
  for (const auto& dir : dirs) std::cout << "# plugin folder: " << dir.string() << "\n";
  for (const auto& plugin : registry.plugins()) {
    std::cout << plugin.library << " " << plugin.version << " (ABI " << plugin.abiMajor << "."
              << plugin.abiMinor << ") " << plugin.path.string()
              << (registry.conflicted(plugin.library) ? "  [unusable: claimed twice]" : "") << "\n";
    for (const auto& task : plugin.tasks) {
      std::cout << "  " << plugin.library << "/" << task.name << "  " << task.description << "\n";
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
  try {
    const Plugin& plugin = registry.find(library);
    bool found = false;
    for (const auto& info : plugin.tasks) {
      if (!task.empty() && info.name != task) continue;
      found = true;
      std::cout << plugin.library << "/" << info.name << "\n  " << info.description
                << "\n  input schema (with:):\n"
                << toPrettyJson(*info.inputSchema) << "\n";
    }
    if (!found) {
      std::cerr << "error: library '" << library << "' has no task '" << task << "'\n";
      return 1;
    }
    return 0;
  } catch (const PluginError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
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
