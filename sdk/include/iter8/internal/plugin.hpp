// iter8/internal/plugin.hpp: what ITER8_PLUGIN expands to: the descriptor's task table,
// MakeTask's dispatch to the task class, and every exception caught at the C boundary.
// Internal: not part of the SDK's contract; names here may change in any release. Included by
// iter8/task.hpp after the Task class.
#pragma once

#include <exception>
#include <string>
#include <type_traits>

#include "iter8/host.hpp"
#include "iter8/internal/text.hpp"
#include "iter8/plugin_api.h"
#include "iter8/task_spec.hpp"

namespace iter8::sdk::internal {

inline iter8_status reportException(char* error, size_t size) {
  try {
    throw;
  } catch (const Error& e) {
    internal::copyMessage(error, size, e.what());
    return e.status();
  } catch (const std::exception& e) {
    internal::copyMessage(error, size, e.what());
    return ITER8_ERR_INTERNAL;
  } catch (...) {
    internal::copyMessage(error, size, "unknown exception");
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

}  // namespace iter8::sdk::internal
