// iter8/task.hpp: the header-only C++ layer of the iter8 plugin SDK.
//
// Write a task as a class, declare the plugin in one line, and this header produces the two C
// symbols of iter8/plugin_api.h. Every exception thrown by a task is caught at the boundary
// and becomes an error status with the exception's message; nothing C++ crosses into the host.
//
//   struct HelloTask : iter8::sdk::Task {
//     static constexpr const char* kName = "hello";
//     static constexpr const char* kDescription = "Print a greeting";
//     static constexpr const char* kInputSchema =
//         R"({"type":"object","properties":{"name":{"type":"string"}},"required":["name"]})";
//     explicit HelloTask(const iter8::sdk::TaskSpec& spec) : name_(spec.requireString("name")) {}
//     void run(iter8::sdk::Host& host) override { host.info("hello, " + name_); }
//     std::string name_;
//   };
//   ITER8_PLUGIN("greetings", "0.1.0", HelloTask)
//
// Requires RapidJSON headers (Debian: rapidjson-dev) for TaskSpec.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "iter8/plugin_api.h"

namespace iter8::sdk {

// An error with the status to report. Throw it (or any std::exception) from a task's
// constructor or run(); the message should name the input and what was expected.
class Error : public std::runtime_error {
 public:
  Error(iter8_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  iter8_status status() const { return status_; }

 private:
  iter8_status status_;
};

// A bad input: thrown from a task's constructor becomes ITER8_ERR_INVALID_INPUT.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(ITER8_ERR_INVALID_INPUT, message) {}
};

// A failure while running: becomes ITER8_ERR_TASK_FAILED.
class TaskFailed : public Error {
 public:
  explicit TaskFailed(const std::string& message) : Error(ITER8_ERR_TASK_FAILED, message) {}
};

namespace detail {

// Copies `message` into a caller-owned buffer, truncating and always NUL-terminating.
inline void copyMessage(char* buffer, size_t size, std::string_view message) {
  if (buffer == nullptr || size == 0) return;
  size_t n = message.size() < size - 1 ? message.size() : size - 1;
  std::memcpy(buffer, message.data(), n);
  buffer[n] = '\0';
}

inline void appendToString(void* ctx, const char* data, size_t size) {
  static_cast<std::string*>(ctx)->assign(data, size);
}

}  // namespace detail

// Options of Host::interpolate (ABI 1.1's interpolate_with); the defaults are Go
// text/template's: `{{ }}`, missing keys print "<no value>", keys as written.
struct InterpolateOptions {
  std::string leftDelim = "{{";
  std::string rightDelim = "}}";
  iter8_missing_key missingKey = ITER8_MISSING_KEY_NO_VALUE;
  iter8_field_names fieldNames = ITER8_FIELD_NAMES_JSON;
  // Top-level data members a template may call with one string argument (`.Secret "key"`); a
  // key the member lacks throws Error with ITER8_ERR_NOT_FOUND.
  std::vector<std::string> callables;
};

// The host services, wrapped: calls that fail throw Error with the host's message.
class Host {
 public:
  explicit Host(const iter8_host_services* services) : services_(services) {}

  void log(iter8_log_level level, const std::string& message) const {
    services_->log(services_->host, level, message.c_str());
  }
  bool logEnabled(iter8_log_level level) const {
    return services_->log_enabled(services_->host, level) != 0;
  }
  void trace(const std::string& m) const { log(ITER8_LOG_TRACE, m); }
  void debug(const std::string& m) const { log(ITER8_LOG_DEBUG, m); }
  void info(const std::string& m) const { log(ITER8_LOG_INFO, m); }
  void warn(const std::string& m) const { log(ITER8_LOG_WARNING, m); }
  void error(const std::string& m) const { log(ITER8_LOG_ERROR, m); }

  void writeTerminationLog(const std::string& message) const {
    services_->write_termination_log(services_->host, message.c_str());
  }

  // The whole experiment, freshly read, as a JSON document.
  rapidjson::Document experiment() const {
    std::string text = call([&](char* e, size_t n, std::string* out) {
      return services_->get_experiment(services_->host, detail::appendToString, out, e, n);
    });
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str(), text.size());
    if (doc.HasParseError()) throw Error(ITER8_ERR_INTERNAL, "host sent invalid experiment JSON");
    return doc;
  }

  // Merges `patch` (a JSON object) into the experiment's status; see update_status.
  void updateStatus(const rapidjson::Value& patch) const {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    patch.Accept(writer);
    char error[ITER8_ERROR_BUFFER_SIZE] = {0};
    iter8_status status =
        services_->update_status(services_->host, buffer.GetString(), error, sizeof error);
    if (status != ITER8_OK) throw Error(status, error);
  }

  // Secret data as a JSON object of strings. Do not log it.
  rapidjson::Document secret(const std::string& ref) const {
    std::string text = call([&](char* e, size_t n, std::string* out) {
      return services_->get_secret(services_->host, ref.c_str(), detail::appendToString, out, e, n);
    });
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str(), text.size());
    if (doc.HasParseError()) throw Error(ITER8_ERR_INTERNAL, "host sent invalid secret JSON");
    return doc;
  }

  // Renders a Go text/template against `data` (a JSON object).
  std::string interpolate(const std::string& text, const rapidjson::Value& data,
                          const char* leftDelim = nullptr, const char* rightDelim = nullptr) const {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    data.Accept(writer);
    return call([&](char* e, size_t n, std::string* out) {
      return services_->interpolate(services_->host, text.c_str(), buffer.GetString(), leftDelim,
                                    rightDelim, detail::appendToString, out, e, n);
    });
  }

  // Renders a template with explicit options (ABI 1.1).
  std::string interpolate(const std::string& text, const rapidjson::Value& data,
                          const InterpolateOptions& options) const {
    require(ITER8_HOST_HAS(services_, interpolate_with), "interpolate_with");
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    data.Accept(writer);
    std::vector<const char*> callables;
    for (const auto& name : options.callables) callables.push_back(name.c_str());
    iter8_interpolate_options raw{};
    raw.struct_size = sizeof raw;
    raw.missing_key = options.missingKey;
    raw.field_names = options.fieldNames;
    raw.callable_count = static_cast<uint32_t>(callables.size());
    raw.left_delim = options.leftDelim.c_str();
    raw.right_delim = options.rightDelim.c_str();
    raw.callables = callables.empty() ? nullptr : callables.data();
    return call([&](char* e, size_t n, std::string* out) {
      return services_->interpolate_with(services_->host, text.c_str(), buffer.GetString(), &raw,
                                         detail::appendToString, out, e, n);
    });
  }

  bool cancelled() const { return services_->is_cancelled(services_->host) != 0; }

  // Sleeps until the host is asked to stop (true) or `timeout` passes (false) (ABI 1.1).
  bool waitCancelled(std::chrono::milliseconds timeout) const {
    require(ITER8_HOST_HAS(services_, wait_cancelled), "wait_cancelled");
    const long long ms = std::clamp<long long>(timeout.count(), 0, UINT32_MAX);
    return services_->wait_cancelled(services_->host, static_cast<uint32_t>(ms)) != 0;
  }

  // The handler's version, e.g. "0.1.0" (ABI 1.1).
  std::string handlerVersion() const {
    require(ITER8_HOST_HAS(services_, handler_version), "handler_version");
    const char* version = services_->handler_version(services_->host);
    return version != nullptr ? version : "";
  }

  const iter8_host_services* raw() const { return services_; }

 private:
  // A plugin built against 1.1 is only loaded by 1.1 hosts, so this fails only when a host
  // breaks the contract; the message says which service was missing.
  static void require(bool present, const char* service) {
    if (!present) {
      throw Error(ITER8_ERR_UNAVAILABLE,
                  std::string("the handler does not provide the host service '") + service +
                      "' (plugin ABI 1.1)");
    }
  }

  template <class F>
  static std::string call(F&& f) {
    std::string out;
    char error[ITER8_ERROR_BUFFER_SIZE] = {0};
    iter8_status status = f(error, sizeof error, &out);
    if (status != ITER8_OK) throw Error(status, error);
    return out;
  }

  const iter8_host_services* services_;
};

// A TaskSpec as the host hands it over: {"task":"lib/name","with":{...}, ...}. The host has
// validated `with` against the task's schema, so accessors only need to handle absence.
class TaskSpec {
 public:
  explicit TaskSpec(const char* json) {
    doc_.Parse<rapidjson::kParseFullPrecisionFlag>(json);
    if (doc_.HasParseError() || !doc_.IsObject()) throw InputError("TaskSpec is not a JSON object");
    auto it = doc_.FindMember("with");
    if (it != doc_.MemberEnd() && it->value.IsObject()) with_ = &it->value;
    auto task = doc_.FindMember("task");
    if (task != doc_.MemberEnd() && task->value.IsString()) name_ = task->value.GetString();
  }

  // with() points into the document: not copyable or movable.
  TaskSpec(const TaskSpec&) = delete;
  TaskSpec& operator=(const TaskSpec&) = delete;

  // "library/task".
  const std::string& name() const { return name_; }
  const rapidjson::Value& document() const { return doc_; }
  // The `with` object ({} when the TaskSpec has none).
  const rapidjson::Value& with() const { return *with_; }

  // Input `key` of `with`, or nullptr when absent or null.
  const rapidjson::Value* find(const char* key) const {
    auto it = with_->FindMember(key);
    return it == with_->MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
  }
  std::string requireString(const char* key) const {
    const rapidjson::Value* v = find(key);
    if (v == nullptr || !v->IsString()) {
      throw InputError(std::string("input 'with.") + key + "' is required; expected a string");
    }
    return v->GetString();
  }
  std::string optionalString(const char* key, const std::string& fallback = {}) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr && v->IsString() ? v->GetString() : fallback;
  }
  bool optionalBool(const char* key, bool fallback = false) const {
    const rapidjson::Value* v = find(key);
    return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
  }

 private:
  rapidjson::Document doc_;
  rapidjson::Value empty_{rapidjson::kObjectType};
  const rapidjson::Value* with_ = &empty_;
  std::string name_;
};

// Base of every C++ task. A task class also provides kName, kDescription, kInputSchema and a
// constructor taking (const TaskSpec&) or (const TaskSpec&, Host&) that validates inputs.
class Task {
 public:
  virtual ~Task() = default;
  virtual void run(Host& host) = 0;
};

namespace detail {

inline iter8_status reportException(char* error, size_t size) {
  try {
    throw;
  } catch (const Error& e) {
    copyMessage(error, size, e.what());
    return e.status();
  } catch (const std::exception& e) {
    copyMessage(error, size, e.what());
    return ITER8_ERR_INTERNAL;
  } catch (...) {
    copyMessage(error, size, "unknown exception");
    return ITER8_ERR_INTERNAL;
  }
}

inline iter8_status runTask(void* self, const iter8_host_services* services, char* error,
                            size_t size) {
  try {
    Host host(services);
    static_cast<Task*>(self)->run(host);
    return ITER8_OK;
  } catch (...) {
    return reportException(error, size);
  }
}

inline void destroyTask(void* self) {
  delete static_cast<Task*>(self);
}

template <class T>
Task* construct(const TaskSpec& spec, Host& host) {
  if constexpr (std::is_constructible_v<T, const TaskSpec&, Host&>) {
    return new T(spec, host);
  } else {
    return new T(spec);
  }
}

// What ITER8_PLUGIN needs of each task class, checked with messages that say so.
template <class T, class = void>
struct HasTaskConstants : std::false_type {};
template <class T>
struct HasTaskConstants<
    T, std::void_t<decltype(T::kName), decltype(T::kDescription), decltype(T::kInputSchema)>>
    : std::bool_constant<std::is_convertible_v<decltype(T::kName), const char*> &&
                         std::is_convertible_v<decltype(T::kDescription), const char*> &&
                         std::is_convertible_v<decltype(T::kInputSchema), const char*>> {};

template <class T>
struct TaskClassCheck {
  static_assert(std::is_base_of_v<Task, T>,
                "ITER8_PLUGIN: each task class must derive from iter8::sdk::Task");
  static_assert(HasTaskConstants<T>::value,
                "ITER8_PLUGIN: each task class needs `static constexpr const char* kName`, "
                "`kDescription` and `kInputSchema` (JSON Schema text, \"{}\" for any input)");
  static_assert(std::is_constructible_v<T, const TaskSpec&> ||
                    std::is_constructible_v<T, const TaskSpec&, Host&>,
                "ITER8_PLUGIN: each task class needs a constructor taking (const TaskSpec&) or "
                "(const TaskSpec&, Host&) that validates its inputs");
  static constexpr bool kOk = true;
};

template <class... Tasks>
struct Plugin {
  static_assert(sizeof...(Tasks) > 0, "ITER8_PLUGIN: name at least one task class");
  static_assert((TaskClassCheck<Tasks>::kOk && ...));

  static constexpr iter8_task_info kTasks[] = {
      {sizeof(iter8_task_info), Tasks::kName, Tasks::kDescription, Tasks::kInputSchema}...};

  static iter8_status makeTask(const char* library, const char* json,
                               const iter8_host_services* services, iter8_task* out, char* error,
                               size_t size) {
    try {
      TaskSpec spec(json);
      Host host(services);
      Task* task = nullptr;
      std::string prefix = std::string(library) + "/";
      // Try each task class in turn; the first whose full name matches constructs.
      bool matched =
          ((spec.name() == prefix + Tasks::kName && (task = construct<Tasks>(spec, host), true)) ||
           ...);
      if (!matched) throw InputError("unknown task '" + spec.name() + "'");
      out->self = task;
      out->run = runTask;
      out->destroy = destroyTask;
      return ITER8_OK;
    } catch (...) {
      return reportException(error, size);
    }
  }
};

}  // namespace detail
}  // namespace iter8::sdk

// Declares a plugin: its library name, its version, and its task classes. Use once, at
// namespace scope, in `<library>.cpp`. Defines the two exported C symbols declared in
// plugin_api.h (`iter8_plugin_info` and `MakeTask`); the descriptor is constant-initialised, so
// the host can read it without running plugin code.
#define ITER8_PLUGIN(LIBRARY, VERSION, ...)                                                        \
  extern "C" {                                                                                     \
  const iter8_plugin_descriptor iter8_plugin_info = {                                              \
      sizeof(iter8_plugin_descriptor),                                                             \
      ITER8_ABI_MAJOR,                                                                             \
      ITER8_ABI_MINOR,                                                                             \
      LIBRARY,                                                                                     \
      VERSION,                                                                                     \
      sizeof(::iter8::sdk::detail::Plugin<__VA_ARGS__>::kTasks) / sizeof(iter8_task_info),         \
      ::iter8::sdk::detail::Plugin<__VA_ARGS__>::kTasks,                                           \
      sizeof(iter8_task_info)};                                                                    \
  ITER8_PLUGIN_EXPORT iter8_status MakeTask(const char* json, const iter8_host_services* services, \
                                            iter8_task* out, char* error, size_t size) {           \
    return ::iter8::sdk::detail::Plugin<__VA_ARGS__>::makeTask(LIBRARY, json, services, out,       \
                                                               error, size);                       \
  }                                                                                                \
  }
