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
// The pieces: iter8/host.hpp (Host, the errors), iter8/task_spec.hpp (TaskSpec and its input
// accessors), iter8/duration.h (Go durations). Names under iter8::sdk::internal (iter8/internal/)
// are not part of the contract.
//
// Requires RapidJSON headers (Debian: rapidjson-dev).
#pragma once

#include "iter8/host.hpp"
#include "iter8/plugin_api.h"
#include "iter8/task_spec.hpp"

namespace iter8::sdk {

// Base of every C++ task. A task class also provides kName, kDescription, kInputSchema and a
// constructor taking (const TaskSpec&) or (const TaskSpec&, Host&) that validates inputs.
class Task {
 public:
  virtual ~Task() = default;
  virtual void run(Host& host) = 0;
};

}  // namespace iter8::sdk

#include "iter8/internal/plugin.hpp"

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
      sizeof(::iter8::sdk::internal::Plugin<__VA_ARGS__>::kTasks) / sizeof(iter8_task_info),       \
      ::iter8::sdk::internal::Plugin<__VA_ARGS__>::kTasks,                                         \
      sizeof(iter8_task_info)};                                                                    \
  ITER8_PLUGIN_EXPORT iter8_status MakeTask(const char* json, const iter8_host_services* services, \
                                            iter8_task* out, char* error, size_t size) {           \
    return ::iter8::sdk::internal::Plugin<__VA_ARGS__>::makeTask(LIBRARY, json, services, out,     \
                                                                 error, size);                     \
  }                                                                                                \
  }
