#include "host/plugin_registry.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <regex>

#include <boost/dll/runtime_symbol_info.hpp>

#include "host/log.h"
#include "lib/json.h"

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

void checkText(const char* text, const std::string& what) {
  if (text == nullptr || *text == '\0') throw PluginError("descriptor has no " + what);
}

TaskInfo readTask(const iter8_task_info& entry, size_t index) {
  std::string where = "task " + std::to_string(index);
  if (entry.struct_size < kMinTaskInfoSize) {
    throw PluginError(where + ": struct_size " + std::to_string(entry.struct_size) +
                      " is smaller than ABI 1.0's " + std::to_string(kMinTaskInfoSize));
  }
  checkText(entry.name, where + " name");
  static const std::regex namePattern("[a-z0-9][a-z0-9_.-]*");
  if (!std::regex_match(entry.name, namePattern)) {
    throw PluginError(where + ": name '" + std::string(entry.name) +
                      "' must match [a-z0-9][a-z0-9_.-]*");
  }
  checkText(entry.description, "description of task '" + std::string(entry.name) + "'");
  checkText(entry.input_schema, "input schema of task '" + std::string(entry.name) + "'");
  TaskInfo task;
  task.name = entry.name;
  task.description = entry.description;
  task.inputSchemaText = entry.input_schema;
  try {
    task.inputSchema = std::make_shared<rapidjson::Document>(parseJson(task.inputSchemaText));
  } catch (const JsonError& e) {
    throw PluginError("task '" + task.name + "' has an input schema that is not JSON: " + e.what());
  }
  if (!task.inputSchema->IsObject()) {
    throw PluginError("task '" + task.name + "' has an input schema that is not a JSON object");
  }
  return task;
}

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

Plugin loadPlugin(const std::filesystem::path& path) {
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
  const auto& descriptor =
      handle->get<const iter8_plugin_descriptor>(ITER8_PLUGIN_DESCRIPTOR_SYMBOL);
  checkAbiVersion(descriptor.abi_major, descriptor.abi_minor, ITER8_ABI_MAJOR, ITER8_ABI_MINOR);
  if (descriptor.struct_size < kMinDescriptorSize) {
    throw PluginError("descriptor struct_size " + std::to_string(descriptor.struct_size) +
                      " is smaller than ABI 1.0's " + std::to_string(kMinDescriptorSize));
  }
  checkText(descriptor.library, "library name");
  checkText(descriptor.plugin_version, "plugin version");
  static const std::regex libraryPattern("[a-z0-9_-]+");
  if (!std::regex_match(descriptor.library, libraryPattern)) {
    throw PluginError("library name '" + std::string(descriptor.library) +
                      "' must match [a-z0-9_-]+");
  }
  if (descriptor.task_count == 0 || descriptor.tasks == nullptr) {
    throw PluginError("descriptor lists no tasks");
  }
  if (descriptor.tasks_stride < kMinTaskInfoSize) {
    throw PluginError("descriptor tasks_stride " + std::to_string(descriptor.tasks_stride) +
                      " is smaller than ABI 1.0's task entry");
  }
  if (!handle->has(ITER8_PLUGIN_MAKE_TASK_SYMBOL)) {
    std::string message = "does not export '" + std::string(ITER8_PLUGIN_MAKE_TASK_SYMBOL) + "'";
    // Plugins built against the unreleased SDK before 1.0 exported the entry point under
    // another name: say so rather than leave the author guessing.
    if (handle->has(kPreReleaseMakeTaskSymbol)) {
      message += std::string(" (it exports '") + kPreReleaseMakeTaskSymbol +
                 "', the entry point's name before ABI 1.0 was released; rebuild it against "
                 "this SDK)";
    }
    throw PluginError(message);
  }

  Plugin plugin;
  plugin.path = path;
  plugin.library = descriptor.library;
  plugin.version = descriptor.plugin_version;
  plugin.abiMajor = descriptor.abi_major;
  plugin.abiMinor = descriptor.abi_minor;
  const auto* base = reinterpret_cast<const unsigned char*>(descriptor.tasks);
  for (uint32_t i = 0; i < descriptor.task_count; ++i) {
    const auto* entry =
        reinterpret_cast<const iter8_task_info*>(base + i * descriptor.tasks_stride);
    TaskInfo task = readTask(*entry, i);
    if (plugin.findTask(task.name) != nullptr) {
      throw PluginError("declares task '" + task.name + "' twice");
    }
    plugin.tasks.push_back(std::move(task));
  }
  plugin.makeTask =
      handle->get<std::remove_pointer_t<iter8_plugin_make_task_fn>>(ITER8_PLUGIN_MAKE_TASK_SYMBOL);
  plugin.handle = std::move(handle);
  return plugin;
}

void PluginRegistry::scan(const std::vector<std::filesystem::path>& dirs) {
  dirs_.insert(dirs_.end(), dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      logger().debug("plugin folder {} does not exist; skipped", dir.string());
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // deterministic order and messages
    for (const auto& file : files) {
      try {
        Plugin plugin = loadPlugin(file);
        auto same = std::find_if(plugins_.begin(), plugins_.end(),
                                 [&](const Plugin& p) { return p.library == plugin.library; });
        if (same != plugins_.end()) {
          loadErrors_.push_back({file, "claims library '" + plugin.library +
                                           "', already provided by " + same->path.string()});
          conflicts_[plugin.library] = "library '" + plugin.library +
                                       "' is claimed by two plugins: " + same->path.string() +
                                       " and " + file.string() + "; remove one";
          logger().error("{}", conflicts_[plugin.library]);
          continue;
        }
        logger().debug("loaded plugin {} (library {}, version {}, ABI {})", file.string(),
                       plugin.library, plugin.version, abiText(plugin.abiMajor, plugin.abiMinor));
        plugins_.push_back(std::move(plugin));
      } catch (const PluginError& e) {
        loadErrors_.push_back({file, e.what()});
        logger().warn("plugin {} skipped: {}", file.string(), e.what());
      }
    }
  }
}

const Plugin& PluginRegistry::find(const std::string& library) const {
  auto conflict = conflicts_.find(library);
  if (conflict != conflicts_.end()) throw PluginError(conflict->second);
  for (const auto& plugin : plugins_) {
    if (plugin.library == library) return plugin;
  }
  std::string message =
      "no plugin provides library '" + library + "' (looked for " + library + ".so in";
  for (size_t i = 0; i < dirs_.size(); ++i) message += (i ? ", " : " ") + dirs_[i].string();
  if (dirs_.empty()) message += " no folders";
  message += ")";
  size_t others = 0;
  for (const auto& error : loadErrors_) {
    if (error.path.stem() == library)
      message += "; " + error.path.string() + " " + error.reason;
    else
      ++others;
  }
  if (others > 0) {
    message += "; " + std::to_string(others) +
               " other plugin file(s) failed to load (see 'handler plugins')";
  }
  throw PluginError(message);
}

std::filesystem::path defaultPluginDir() {
  boost::dll::fs::error_code ec;
  std::filesystem::path exe = boost::dll::program_location(ec);
  return exe.parent_path().parent_path() / "lib" / "iter8" / "plugins";
}

}  // namespace iter8
