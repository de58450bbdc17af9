// The C API of iter8/testing.h: a plugin loaded with the handler's loader, one item resolved as
// the runner resolves it (task_item: names, inputs checked and normalised), and made and run in
// this process with the handler's host services, against a MemorySource.
#include "iter8/testing.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "host/loader/host_services.h"
#include "host/loader/plugin_registry.h"
#include "host/log.h"
#include "host/runner/task_item.h"
#include "host/testing/log_capture.h"
#include "host/testing/memory_source.h"
#include "lib/json.h"
#include "lib/yaml.h"

using iter8::testing::LogCapture;
using iter8::testing::MemorySource;

struct iter8_testing_host;

namespace {

using Clock = std::chrono::steady_clock;

// The cancellation a test controls: a flag, and a deadline counted from the start of a run.
class Cancellation {
 public:
  void cancel() {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    changed_.notify_all();
  }
  void cancelAfter(int64_t milliseconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    after_ = milliseconds < 0 ? std::nullopt : std::optional<int64_t>(milliseconds);
  }
  // A run starts: the deadline counts from now; a cancel() of an earlier run is forgotten.
  void start() {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = false;
    deadline_.reset();
    if (after_) deadline_ = Clock::now() + std::chrono::milliseconds(*after_);
  }
  bool cancelled() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cancelledLocked();
  }
  // What cancel_reason reports once cancelled (ITER8_CANCEL_SIGNAL unless the test says).
  void setReason(iter8_cancel_reason reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    reason_ = reason;
  }
  iter8_cancel_reason reason() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cancelledLocked() ? reason_ : ITER8_CANCEL_NONE;
  }
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto until = Clock::now() + timeout;
    if (deadline_ && *deadline_ < until) until = *deadline_;
    changed_.wait_until(lock, until, [&] { return cancelledLocked(); });
    return cancelledLocked();
  }

 private:
  bool cancelledLocked() const { return cancelled_ || (deadline_ && Clock::now() >= *deadline_); }
  std::mutex mutex_;
  std::condition_variable changed_;
  bool cancelled_ = false;
  iter8_cancel_reason reason_ = ITER8_CANCEL_SIGNAL;
  std::optional<int64_t> after_;
  std::optional<Clock::time_point> deadline_;
};

// The TaskContext the host services see, with the test host's cancellation beside it.
struct TestContext : iter8::TaskContext {
  Cancellation* cancellation = nullptr;
};

Cancellation& cancellationOf(void* host) {
  return *static_cast<TestContext*>(static_cast<iter8::TaskContext*>(host))->cancellation;
}

int isCancelledService(void* host) {
  return cancellationOf(host).cancelled() ? 1 : 0;
}

iter8_cancel_reason cancelReasonService(void* host) {
  try {
    return cancellationOf(host).reason();
  } catch (...) {
    return ITER8_CANCEL_SIGNAL;
  }
}

int waitCancelledService(void* host, uint32_t timeoutMs) {
  try {
    return cancellationOf(host).wait(std::chrono::milliseconds(timeoutMs)) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

constexpr const char* kAction = "test";

// A message as one line, as the handler prints every error and termination-log line.
std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

struct iter8_testing_host {
  LogCapture logs;
  MemorySource source;
  Cancellation cancellation;
  uint16_t abiMinor = ITER8_ABI_MINOR;
  std::unique_ptr<iter8::PluginRegistry> registry;
  std::string library;
  std::string error;
  iter8_testing_stage stage = ITER8_TESTING_STAGE_NONE;
  std::string terminationLog;
  std::string statusText;
  std::vector<std::pair<iter8_log_level, std::string>> lines;

  iter8_status fail(iter8_status status, const std::string& message) {
    error = oneLine(message);
    return status;
  }

  // The handler's table for `context`, cut down to ABI 1.0 when pretending to be 1.0.
  iter8_host_services servicesFor(TestContext* context) const {
    iter8_host_services services = iter8::makeHostServices(context);
    services.is_cancelled = isCancelledService;
    services.wait_cancelled = waitCancelledService;
    services.cancel_reason = cancelReasonService;
    // An older host's table: its size ends before the first later service, which are unset.
    services.abi_minor = abiMinor;
    if (abiMinor <= 1) {
      services.struct_size = offsetof(iter8_host_services, cancel_reason);
      services.cancel_reason = nullptr;
    }
    if (abiMinor == 0) {
      services.struct_size = offsetof(iter8_host_services, interpolate_with);
      services.interpolate_with = nullptr;
      services.json_lookup = nullptr;
      services.wait_cancelled = nullptr;
      services.handler_version = nullptr;
    }
    return services;
  }

  iter8_status run(const char* taskSpec);
};

iter8_status iter8_testing_host::run(const char* taskSpec) {
  using namespace iter8;
  stage = ITER8_TESTING_STAGE_NONE;
  error.clear();
  terminationLog.clear();
  source.clearPatches();
  logs.clear();
  lines.clear();
  if (registry == nullptr) return fail(ITER8_ERR_INVALID_INPUT, "no plugin loaded");
  rapidjson::Document spec;
  try {
    spec = parseYaml(taskSpec != nullptr ? taskSpec : "");
  } catch (const std::exception& e) {
    return fail(ITER8_ERR_INVALID_INPUT,
                std::string("the TaskSpec is not JSON or YAML: ") + e.what());
  }
  TaskItem item;
  rapidjson::Document normalized;
  const Plugin* plugin = nullptr;
  TestContext context;
  try {
    item = readTaskItem(spec);
    context.label = "action " + std::string(kAction) + ", task 0 (" + item.label + ")";
    logs.setLabel(context.label);
    const TaskInfo& info = findTaskInfo(*registry, item, plugin);
    stage = ITER8_TESTING_STAGE_INPUTS;
    normalized = normalizeTaskSpec(spec, item, info, 0, [&](const std::string& warning) {
      logger().warn("{}: {}", context.label, warning);
    });
  } catch (const TaskItemError& e) {
    lines = logs.lines();
    return fail(ITER8_ERR_INVALID_INPUT, e.what());
  } catch (const PluginError& e) {
    lines = logs.lines();
    return fail(ITER8_ERR_INVALID_INPUT, e.what());
  }
  context.source = &source;
  context.cancellation = &cancellation;
  context.writeTerminationLog = [this](const std::string& line) {
    terminationLog += redact(oneLine(line)) + "\n";
  };
  const iter8_host_services services = servicesFor(&context);
  iter8_task task{};
  task.struct_size = sizeof task;
  char message[ITER8_ERROR_BUFFER_SIZE] = {0};
  stage = ITER8_TESTING_STAGE_MAKE;
  const std::string json = toJson(normalized);
  iter8_status status = plugin->makeTask(json.c_str(), &services, &task, message, sizeof message);
  if (status == ITER8_OK && (task.run == nullptr || task.destroy == nullptr)) {
    status = ITER8_ERR_INTERNAL;
    std::snprintf(message, sizeof message, "MakeTask returned a task without run/destroy");
  }
  if (status == ITER8_OK) {
    stage = ITER8_TESTING_STAGE_RUN;
    cancellation.start();
    status = task.run(task.self, &services, message, sizeof message);
    task.destroy(task.self);
  }
  lines = logs.lines();
  if (status != ITER8_OK) {
    return fail(status,
                redact(message[0] != '\0' ? message : "the plugin failed without a reason"));
  }
  return ITER8_OK;
}

extern "C" {

iter8_testing_host* iter8_testing_host_new(void) {
  try {
    return new iter8_testing_host();
  } catch (...) {
    return nullptr;
  }
}

void iter8_testing_host_free(iter8_testing_host* host) {
  delete host;
}

iter8_status iter8_testing_set_experiment(iter8_testing_host* host, const char* text) {
  try {
    host->error.clear();
    host->source.setExperiment(iter8::parseYaml(text != nullptr ? text : ""));
    return ITER8_OK;
  } catch (const std::exception& e) {
    return host->fail(ITER8_ERR_INVALID_INPUT, std::string("experiment: ") + e.what());
  }
}

iter8_status iter8_testing_add_secret(iter8_testing_host* host, const char* ref,
                                      const char* dataJson) {
  try {
    host->error.clear();
    std::string name = ref != nullptr ? ref : "";
    if (name.empty()) return host->fail(ITER8_ERR_INVALID_INPUT, "secret: the reference is empty");
    rapidjson::Document data = iter8::parseJson(dataJson != nullptr ? dataJson : "");
    iter8::SecretData values;
    if (!data.IsObject()) {
      return host->fail(ITER8_ERR_INVALID_INPUT,
                        "secret " + name + ": data must be a JSON object of strings");
    }
    for (const auto& member : data.GetObject()) {
      if (!member.value.IsString()) {
        return host->fail(
            ITER8_ERR_INVALID_INPUT,
            "secret " + name + ": key '" + member.name.GetString() + "' is not a string");
      }
      values[member.name.GetString()] = member.value.GetString();
    }
    host->source.addSecret(name, std::move(values));
    return ITER8_OK;
  } catch (const std::exception& e) {
    return host->fail(ITER8_ERR_INVALID_INPUT, std::string("secret: ") + e.what());
  }
}

iter8_status iter8_testing_set_abi(iter8_testing_host* host, uint16_t major, uint16_t minor) {
  host->error.clear();
  if (major != ITER8_ABI_MAJOR || minor > ITER8_ABI_MINOR) {
    return host->fail(ITER8_ERR_INVALID_INPUT,
                      "ABI " + std::to_string(major) + "." + std::to_string(minor) +
                          " cannot be pretended by this test host (ABI " +
                          std::to_string(ITER8_ABI_MAJOR) + "." + std::to_string(ITER8_ABI_MINOR) +
                          "): same major, minor up to " + std::to_string(ITER8_ABI_MINOR));
  }
  host->abiMinor = minor;
  return ITER8_OK;
}

void iter8_testing_cancel(iter8_testing_host* host) {
  host->cancellation.cancel();
}

void iter8_testing_cancel_after(iter8_testing_host* host, int64_t milliseconds) {
  host->cancellation.cancelAfter(milliseconds);
}

void iter8_testing_set_cancel_reason(iter8_testing_host* host, iter8_cancel_reason reason) {
  host->cancellation.setReason(reason == ITER8_CANCEL_NONE ? ITER8_CANCEL_SIGNAL : reason);
}

iter8_status iter8_testing_load_plugin(iter8_testing_host* host, const char* path) {
  try {
    host->error.clear();
    std::filesystem::path file = path != nullptr ? path : "";
    if (file.extension() != ".so") {
      return host->fail(ITER8_ERR_INVALID_INPUT,
                        file.string() + " is not named <library>.so, as the handler requires");
    }
    auto registry = std::make_unique<iter8::PluginRegistry>();
    registry->setHostAbiMinor(host->abiMinor);
    std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
    registry->scan({dir});
    registry->find(file.stem().string());  // the handler's checks; throws PluginError
    host->registry = std::move(registry);
    host->library = file.stem().string();
    return ITER8_OK;
  } catch (const std::exception& e) {
    return host->fail(ITER8_ERR_INVALID_INPUT, e.what());
  }
}

iter8_status iter8_testing_run_task(iter8_testing_host* host, const char* taskSpec) {
  try {
    return host->run(taskSpec);
  } catch (const std::exception& e) {
    return host->fail(ITER8_ERR_INTERNAL, std::string("test host: ") + e.what());
  }
}

const char* iter8_testing_error(const iter8_testing_host* host) {
  return host->error.c_str();
}

iter8_testing_stage iter8_testing_stage_reached(const iter8_testing_host* host) {
  return host->stage;
}

size_t iter8_testing_patch_count(const iter8_testing_host* host) {
  return host->source.patches().size();
}

const char* iter8_testing_patch(const iter8_testing_host* host, size_t index) {
  const auto& patches = host->source.patches();
  return index < patches.size() ? patches[index].c_str() : nullptr;
}

const char* iter8_testing_status(iter8_testing_host* host) {
  try {
    host->statusText = iter8::toJson(host->source.status());
  } catch (...) {
    host->statusText = "{}";
  }
  return host->statusText.c_str();
}

size_t iter8_testing_log_count(const iter8_testing_host* host) {
  return host->lines.size();
}

const char* iter8_testing_log_line(const iter8_testing_host* host, size_t index,
                                   iter8_log_level* level) {
  if (index >= host->lines.size()) return nullptr;
  if (level != nullptr) *level = host->lines[index].first;
  return host->lines[index].second.c_str();
}

const char* iter8_testing_termination_log(const iter8_testing_host* host) {
  return host->terminationLog.c_str();
}

}  // extern "C"
