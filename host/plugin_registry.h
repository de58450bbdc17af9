// Finds and loads task plugins, checks their descriptors, and maps library names to them.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <boost/dll/shared_library.hpp>

#include "iter8/plugin_api.h"

namespace iter8 {

struct TaskInfo {
  std::string name;  // without the library prefix
  std::string description;
  std::string inputSchemaText;
  std::shared_ptr<rapidjson::Document> inputSchema;  // parsed once at load
};

// One loaded plugin. Plugins are never unloaded while the process lives: tasks, strings and
// static state inside them may be referenced until exit.
struct Plugin {
  std::filesystem::path path;
  std::string library;
  std::string version;
  uint16_t abiMajor = 0;
  uint16_t abiMinor = 0;
  std::vector<TaskInfo> tasks;
  iter8_plugin_make_task_fn makeTask = nullptr;
  std::shared_ptr<boost::dll::shared_library> handle;

  const TaskInfo* findTask(const std::string& name) const;
};

struct PluginLoadError {
  std::filesystem::path path;
  std::string reason;
};

// Loads one file and checks it against the ABI contract. Throws PluginError with the reason.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
Plugin loadPlugin(const std::filesystem::path& path);

// The ABI rule: a host loads a plugin of its own major whose minor is not above its own (a
// 1.0 plugin loads in a 1.1 host; a 1.1 plugin is refused by a 1.0 host). Throws PluginError.
void checkAbiVersion(unsigned pluginMajor, unsigned pluginMinor, unsigned hostMajor,
                     unsigned hostMinor);

class PluginRegistry {
 public:
  // Loads every `*.so` in `dirs` (in order; missing folders are skipped). A file that fails
  // to load is remembered in loadErrors() and skipped. Two files claiming one library name
  // are both set aside: the library becomes unusable with an error naming both files.
  void scan(const std::vector<std::filesystem::path>& dirs);

  const std::vector<Plugin>& plugins() const { return plugins_; }
  // Files that failed to load, and second claims of a library name.
  const std::vector<PluginLoadError>& loadErrors() const { return loadErrors_; }
  // True when `library` is claimed by two files (and so unusable).
  bool conflicted(const std::string& library) const { return conflicts_.count(library) > 0; }

  // The plugin for `library`. Throws PluginError saying why it is unavailable: not found
  // (listing the folders searched and the files that failed to load), or claimed twice.
  const Plugin& find(const std::string& library) const;

 private:
  std::vector<std::filesystem::path> dirs_;
  std::vector<Plugin> plugins_;
  std::vector<PluginLoadError> loadErrors_;
  std::map<std::string, std::string> conflicts_;  // library -> message naming both files
};

// The folder beside the installed binary: <prefix>/bin/handler -> <prefix>/lib/iter8/plugins.
std::filesystem::path defaultPluginDir();

}  // namespace iter8
