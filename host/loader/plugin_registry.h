// Finds and loads task plugins, checks their descriptors, and maps library names to them.
#pragma once

#include <deque>
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
// Every number and string the descriptor gives is bounded before it is used (see kMax*), and
// a path that is not a regular file (a FIFO, a device) is refused without being opened.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// `hostAbiMinor`: the minor version the host offers (a test host may pretend an older one).
Plugin loadPlugin(const std::filesystem::path& path, uint16_t hostAbiMinor = ITER8_ABI_MINOR);

// The ABI rule: a host loads a plugin of its own major whose minor is not above its own (a
// 1.0 plugin loads in a 1.1 host; a 1.1 plugin is refused by a 1.0 host). Throws PluginError.
void checkAbiVersion(unsigned pluginMajor, unsigned pluginMinor, unsigned hostMajor,
                     unsigned hostMinor);

// loadPlugin in a supervised child process first, so a constructor that crashes, exits or
// hangs is reported as the reason instead of ending the handler; then in this process.
Plugin loadPluginSafely(const std::filesystem::path& path, uint16_t hostAbiMinor = ITER8_ABI_MINOR);

// Bounds on what a descriptor may declare.
inline constexpr uint32_t kMaxTasksPerPlugin = 1024;
inline constexpr uint32_t kMaxTaskInfoStride = 4096;
inline constexpr size_t kMaxNameLength = 64;  // library, task name, plugin version
inline constexpr size_t kMaxDescriptionLength = 4096;
inline constexpr size_t kMaxSchemaLength = 1 << 20;

// The plugins of some folders. A library's file is named after it (`common.so` provides
// `common`), so only the files of the libraries asked for are ever opened: a broken plugin
// cannot stop an action that does not use it.
class PluginRegistry {
 public:
  // Remembers `dirs` (in order; missing folders are skipped). Opens no plugin file.
  void scan(const std::vector<std::filesystem::path>& dirs);

  // The host ABI minor plugins are checked against (ITER8_ABI_MINOR unless a test host
  // pretends to be older, e.g. 0 for a 1.0 host). Set before anything is loaded.
  void setHostAbiMinor(uint16_t minor) { hostAbiMinor_ = minor; }

  // Loads every `*.so` of the folders (for `handler plugins`); failures go to loadErrors() and
  // are not logged, so a listing that prints loadErrors() names each rejected file once.
  void loadAll();

  // The libraries the folders offer, from the file names (`<library>.so`), sorted and without
  // duplicates; opens no plugin. For suggestions when a name is mistyped.
  std::vector<std::string> libraryNames() const;

  // The plugins loaded so far (by find() or loadAll()).
  const std::deque<Plugin>& plugins() const { return plugins_; }
  // Files that failed to load (or are not regular files), and second claims of a library name.
  const std::vector<PluginLoadError>& loadErrors() const { return loadErrors_; }
  // True when `library` is claimed by two files (and so unusable).
  bool conflicted(const std::string& library) const { return conflicts_.count(library) > 0; }

  // The plugin for `library`, loaded from `<library>.so` on first use. Throws PluginError
  // saying why it is unavailable: not found (listing the folders searched), failed to load,
  // named after another library, or present in two folders.
  const Plugin& find(const std::string& library) const;

 private:
  // Loads `file` as `library` unless already tried; records a failure (and logs it as a warning
  // when `warn`: loadAll's caller lists loadErrors() itself). nullptr on failure.
  const Plugin* loadAs(const std::string& library, const std::filesystem::path& file,
                       bool warn) const;

  std::vector<std::filesystem::path> dirs_;
  uint16_t hostAbiMinor_ = ITER8_ABI_MINOR;
  // Loaded lazily by the const find(); a deque keeps references to loaded plugins valid.
  mutable std::deque<Plugin> plugins_;
  mutable std::vector<PluginLoadError> loadErrors_;
  mutable std::map<std::string, std::string> conflicts_;  // library -> message naming both
  mutable std::map<std::string, std::string> failures_;   // library -> why it did not load
};

// The folder beside the installed binary: <prefix>/bin/handler -> <prefix>/lib/iter8/plugins.
std::filesystem::path defaultPluginDir();

}  // namespace iter8
