// The host side of the plugin ABI: the iter8_host_services table handed to every task.
#pragma once

#include <functional>
#include <string>

#include "host/source/experiment_source.h"
#include "iter8/plugin_api.h"

namespace iter8 {

// What the services of one task act on. Lives as long as the task: the table points to it.
struct TaskContext {
  ExperimentSource* source = nullptr;
  // Writes one line to the termination log (the runner's TerminationLog::append); empty: the
  // line is dropped. A function, not the runner's class, so that the loader sits below it.
  std::function<void(const std::string&)> writeTerminationLog;
  std::string label;  // "action start, task 0 (common/exec)", the prefix of its log lines
};

// A table whose `host` pointer is `context`.
iter8_host_services makeHostServices(TaskContext* context);

// "name" -> (experiment namespace, name); "ns/name" -> (ns, name). False when malformed.
bool parseSecretRef(const std::string& ref, const std::string& defaultNamespace, std::string& ns,
                    std::string& name);

}  // namespace iter8
