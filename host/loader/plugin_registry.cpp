#include "host/loader/plugin_registry.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include <boost/dll/runtime_symbol_info.hpp>

#include "host/loader/plugin_trust.h"
#include "host/loader/schema_refs.h"
#include "host/log.h"
#include "host/process/supervisor.h"
#include "lib/duration.h"
#include "lib/json.h"
#include "lib/suggest.h"

namespace iter8 {
namespace {

// The smallest descriptor and task entry a 1.x plugin may carry: everything ABI 1.0 defined.
constexpr uint32_t kMinDescriptorSize =
    offsetof(iter8_plugin_descriptor, tasks_stride) + sizeof(uint32_t);
constexpr uint32_t kMinTaskInfoSize = offsetof(iter8_task_info, input_schema) + sizeof(char*);

// The entry point's name in SDK builds before ABI 1.0 was released (see checks below).
constexpr const char* kPreReleaseMakeTaskSymbol = "iter8_plugin_make_task";

std::string abiText(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// A NUL-terminated string of at most `limit` bytes, read without running past `limit`.
std::string boundedText(const char* text, size_t limit, const std::string& what) {
  if (text == nullptr || *text == '\0') throw PluginError("descriptor has no " + what);
  size_t length = ::strnlen(text, limit + 1);
  if (length > limit) {
    throw PluginError("descriptor's " + what + " is longer than " + std::to_string(limit) +
                      " bytes");
  }
  return std::string(text, length);
}

// [a-z0-9] then `more` characters, as names must be (no regex: names come from plugins).
bool isName(const std::string& name, const char* more) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!plain && (i == 0 || std::strchr(more, c) == nullptr)) return false;
  }
  return true;
}

TaskInfo readTask(const iter8_task_info& entry, size_t index) {
  std::string where = "task " + std::to_string(index);
  if (entry.struct_size < kMinTaskInfoSize) {
    throw PluginError(where + ": struct_size " + std::to_string(entry.struct_size) +
                      " is smaller than ABI 1.0's " + std::to_string(kMinTaskInfoSize));
  }
  TaskInfo task;
  task.name = boundedText(entry.name, kMaxNameLength, where + " name");
  if (!isName(task.name, "_.-")) {
    throw PluginError(where + ": name '" + task.name + "' must match [a-z0-9][a-z0-9_.-]*");
  }
  task.description = boundedText(entry.description, kMaxDescriptionLength,
                                 "description of task '" + task.name + "'");
  task.inputSchemaText =
      boundedText(entry.input_schema, kMaxSchemaLength, "input schema of task '" + task.name + "'");
  try {
    task.inputSchema = std::make_shared<rapidjson::Document>(parseJson(task.inputSchemaText));
  } catch (const JsonError& e) {
    throw PluginError("task '" + task.name + "' has an input schema that is not JSON: " + e.what());
  }
  if (!task.inputSchema->IsObject()) {
    throw PluginError("task '" + task.name + "' has an input schema that is not a JSON object");
  }
  if (auto problem = findRecursiveRef(*task.inputSchema)) {
    throw PluginError("task '" + task.name + "' has an unusable input schema: " + *problem);
  }
  return task;
}

// Refuses what is not a regular file without opening it: dlopen on a FIFO blocks forever.
void requireRegularFile(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw PluginError(std::string("cannot be loaded: ") + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) throw PluginError("is not a regular file; skipped");
  if (std::string reason = untrustedReason(path); !reason.empty()) {
    if (!untrustedPluginsOnlyWarn()) {
      throw PluginError("is not loaded: " + reason +
                        " (anyone who can write it runs code as the handler; "
                        "ITER8_PLUGINS_TRUST=warn loads it anyway)");
    }
    logger().warn("plugin {} is loaded though {} (ITER8_PLUGINS_TRUST=warn)", path.string(),
                  reason);
  }
}

// How long a plugin's constructors may take when it is first loaded.
constexpr auto kLoadTimeLimit = std::chrono::seconds(10);

}  // namespace

void checkAbiVersion(unsigned pluginMajor, unsigned pluginMinor, unsigned hostMajor,
                     unsigned hostMinor) {
  if (pluginMajor == hostMajor && pluginMinor <= hostMinor) return;
  throw PluginError("was built for plugin ABI " + abiText(pluginMajor, pluginMinor) +
                    " but this handler supports ABI " + abiText(hostMajor, hostMinor) +
                    " (same major, minor up to " + std::to_string(hostMinor) +
                    "); rebuild it against this handler's SDK");
}

const TaskInfo* Plugin::findTask(const std::string& name) const {
  for (const auto& task : tasks) {
    if (task.name == name) return &task;
  }
  return nullptr;
}

// Every library ever loaded, kept until the process ends: a plugin's code may still be
// referenced after its registry is gone (atexit handlers, thread-locals, libraries it started),
// so no plugin is ever unloaded. Deliberately never destroyed.
static std::vector<std::shared_ptr<boost::dll::shared_library>>& loadedForever() {
  static auto* handles = new std::vector<std::shared_ptr<boost::dll::shared_library>>();
  return *handles;
}

namespace {

// Loads the library at `path` (kept loaded forever) and checks that it exports a descriptor.
std::shared_ptr<boost::dll::shared_library> openPluginLibrary(const std::filesystem::path& path) {
  auto handle = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  handle->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (!ec) loadedForever().push_back(handle);
  if (ec) {
    // dlerror() text names the real cause (not ELF, missing dependency, undefined symbol).
    const char* detail = dlerror();
    throw PluginError("cannot be loaded: " +
                      (detail != nullptr ? std::string(detail) : ec.message()));
  }
  if (!handle->has(ITER8_PLUGIN_DESCRIPTOR_SYMBOL)) {
    throw PluginError("is not an iter8 plugin: it does not export '" +
                      std::string(ITER8_PLUGIN_DESCRIPTOR_SYMBOL) + "'");
  }
  return handle;
}

// The task table's count and stride, within what the host reads.
void checkTaskTable(const iter8_plugin_descriptor& descriptor) {
  if (descriptor.task_count == 0 || descriptor.tasks == nullptr) {
    throw PluginError("descriptor lists no tasks");
  }
  if (descriptor.task_count > kMaxTasksPerPlugin) {
    throw PluginError("descriptor task_count " + std::to_string(descriptor.task_count) +
                      " is more than the " + std::to_string(kMaxTasksPerPlugin) +
                      " tasks a plugin may declare");
  }
  if (descriptor.tasks_stride < kMinTaskInfoSize) {
    throw PluginError("descriptor tasks_stride " + std::to_string(descriptor.tasks_stride) +
                      " is smaller than ABI 1.0's task entry");
  }
  if (descriptor.tasks_stride > kMaxTaskInfoStride) {
    throw PluginError("descriptor tasks_stride " + std::to_string(descriptor.tasks_stride) +
                      " is larger than " + std::to_string(kMaxTaskInfoStride) +
                      " bytes; it must be sizeof(iter8_task_info)");
  }
}

// The descriptor's ABI, size, names and task table checked; the plugin it describes, without
// its tasks yet.
Plugin readDescriptor(const iter8_plugin_descriptor& descriptor, uint16_t hostAbiMinor) {
  checkAbiVersion(descriptor.abi_major, descriptor.abi_minor, ITER8_ABI_MAJOR, hostAbiMinor);
  if (descriptor.struct_size < kMinDescriptorSize) {
    throw PluginError("descriptor struct_size " + std::to_string(descriptor.struct_size) +
                      " is smaller than ABI 1.0's " + std::to_string(kMinDescriptorSize));
  }
  Plugin plugin;
  plugin.library = boundedText(descriptor.library, kMaxNameLength, "library name");
  plugin.version = boundedText(descriptor.plugin_version, kMaxNameLength, "plugin version");
  if (!isName(plugin.library, "_-")) {
    throw PluginError("library name '" + plugin.library + "' must match [a-z0-9][a-z0-9_-]*");
  }
  checkTaskTable(descriptor);
  plugin.abiMajor = descriptor.abi_major;
  plugin.abiMinor = descriptor.abi_minor;
  return plugin;
}

void requireMakeTask(const boost::dll::shared_library& library) {
  if (library.has(ITER8_PLUGIN_MAKE_TASK_SYMBOL)) return;
  std::string message = "does not export '" + std::string(ITER8_PLUGIN_MAKE_TASK_SYMBOL) + "'";
  // Plugins built against the unreleased SDK before 1.0 exported the entry point under
  // another name: say so rather than leave the author guessing.
  if (library.has(kPreReleaseMakeTaskSymbol)) {
    message += std::string(" (it exports '") + kPreReleaseMakeTaskSymbol +
               "', the entry point's name before ABI 1.0 was released; rebuild it against "
               "this SDK)";
  }
  throw PluginError(message);
}

// The descriptor's task entries, `tasks_stride` bytes apart, into `plugin`.
void readTasks(const iter8_plugin_descriptor& descriptor, Plugin& plugin) {
  const auto* base = reinterpret_cast<const unsigned char*>(descriptor.tasks);
  for (uint32_t i = 0; i < descriptor.task_count; ++i) {
    const auto* entry =
        reinterpret_cast<const iter8_task_info*>(base + size_t{i} * descriptor.tasks_stride);
    TaskInfo task = readTask(*entry, i);
    if (plugin.findTask(task.name) != nullptr) {
      throw PluginError("declares task '" + task.name + "' twice");
    }
    plugin.tasks.push_back(std::move(task));
  }
}

}  // namespace

Plugin loadPlugin(const std::filesystem::path& path, uint16_t hostAbiMinor) {
  requireRegularFile(path);
  std::shared_ptr<boost::dll::shared_library> handle = openPluginLibrary(path);
  const auto& descriptor =
      handle->get<const iter8_plugin_descriptor>(ITER8_PLUGIN_DESCRIPTOR_SYMBOL);
  Plugin plugin = readDescriptor(descriptor, hostAbiMinor);
  requireMakeTask(*handle);
  plugin.path = path;
  readTasks(descriptor, plugin);
  plugin.makeTask =
      handle->get<std::remove_pointer_t<iter8_plugin_make_task_fn>>(ITER8_PLUGIN_MAKE_TASK_SYMBOL);
  plugin.handle = std::move(handle);
  return plugin;
}

Plugin loadPluginSafely(const std::filesystem::path& path, uint16_t hostAbiMinor) {
  requireRegularFile(path);
  SuperviseOptions options;
  options.timeout = kLoadTimeLimit;
  options.timeoutText = formatGoDuration(kLoadTimeLimit);
  ChildOutcome probe = runSupervised(
      [&path, hostAbiMinor]() -> ChildReport {
        try {
          loadPlugin(path, hostAbiMinor);
          return {0, ""};
        } catch (const std::exception& e) {
          return {1, e.what()};
        }
      },
      options);
  if (probe.end != ChildOutcome::End::kReturned) {
    throw PluginError("cannot be loaded: loading it " + probe.reason(options));
  }
  if (probe.report.status != 0) throw PluginError(probe.report.message);
  return loadPlugin(path, hostAbiMinor);
}

void PluginRegistry::scan(const std::vector<std::filesystem::path>& dirs) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      logger().debug("plugin folder {} does not exist; skipped", dir.string());
    }
    dirs_.push_back(dir);  // still named in "looked for" messages
  }
}

const Plugin* PluginRegistry::loadAs(const std::string& library, const std::filesystem::path& file,
                                     bool warn) const {
  for (const auto& plugin : plugins_) {
    if (plugin.library == library) return &plugin;
  }
  if (failures_.count(library) > 0 || conflicts_.count(library) > 0) return nullptr;
  try {
    Plugin plugin = loadPluginSafely(file, hostAbiMinor_);
    if (plugin.library != library) {
      throw PluginError("provides library '" + plugin.library + "' but is named " +
                        file.filename().string() + "; a library's file must be named after it (" +
                        plugin.library + ".so)");
    }
    logger().debug("loaded plugin {} (library {}, version {}, ABI {})", file.string(),
                   plugin.library, plugin.version, abiText(plugin.abiMajor, plugin.abiMinor));
    plugins_.push_back(std::move(plugin));
    return &plugins_.back();
  } catch (const PluginError& e) {
    loadErrors_.push_back({file, e.what()});
    failures_[library] = file.string() + " " + e.what();
    if (warn) logger().warn("plugin {} skipped: {}", file.string(), e.what());
    return nullptr;
  }
}

std::vector<std::string> PluginRegistry::libraryNames() const {
  std::vector<std::string> names;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void PluginRegistry::loadAll() {
  std::map<std::string, std::filesystem::path> first;  // library -> the file that provides it
  for (const auto& dir : dirs_) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // deterministic order and messages
    for (const auto& file : files) {
      const std::string library = file.stem().string();
      if (auto same = first.find(library); same != first.end()) {
        loadErrors_.push_back({file, "claims library '" + library + "', already provided by " +
                                         same->second.string()});
        conflicts_[library] = "library '" + library +
                              "' is claimed by two plugins: " + same->second.string() + " and " +
                              file.string() + "; remove one";
        continue;
      }
      first.emplace(library, file);
      loadAs(library, file, /*warn=*/false);  // the caller lists loadErrors(): say it once
    }
  }
}

const Plugin& PluginRegistry::find(const std::string& library) const {
  auto conflict = conflicts_.find(library);
  if (conflict != conflicts_.end()) throw PluginError(conflict->second);
  for (const auto& plugin : plugins_) {
    if (plugin.library == library) return plugin;
  }
  if (auto failure = failures_.find(library); failure != failures_.end()) {
    throw PluginError("library '" + library + "' is not usable: " + failure->second);
  }
  std::vector<std::filesystem::path> candidates;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    std::filesystem::path file = dir / (library + ".so");
    if (!std::filesystem::exists(std::filesystem::symlink_status(file, ec))) continue;
    // One folder named twice (or a symlinked folder) holds one file, not a conflict.
    bool seen = std::any_of(candidates.begin(), candidates.end(), [&](const auto& other) {
      std::error_code same;
      return std::filesystem::equivalent(other, file, same);
    });
    if (!seen) candidates.push_back(file);
  }
  if (candidates.size() > 1) {
    conflicts_[library] = "library '" + library +
                          "' is claimed by two plugins: " + candidates[0].string() + " and " +
                          candidates[1].string() + "; remove one";
    throw PluginError(conflicts_[library]);
  }
  if (candidates.empty()) {
    std::string message = "no plugin provides library '" + library + "'" +
                          didYouMean(library, libraryNames()) + " (looked for " + library +
                          ".so in";
    for (size_t i = 0; i < dirs_.size(); ++i) message += (i ? ", " : " ") + dirs_[i].string();
    if (dirs_.empty()) message += " no folders";
    message += ")";
    throw PluginError(message);
  }
  if (const Plugin* plugin = loadAs(library, candidates[0], /*warn=*/true)) return *plugin;
  throw PluginError("library '" + library + "' is not usable: " + failures_.at(library));
}

std::filesystem::path defaultPluginDir() {
  boost::dll::fs::error_code ec;
  std::filesystem::path exe = boost::dll::program_location(ec);
  return exe.parent_path().parent_path() / "lib" / "iter8" / "plugins";
}

}  // namespace iter8
