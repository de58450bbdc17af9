// kubectl for the tasks that drive the cluster through it (common/readiness,
// common/promote-kubectl): found on PATH, run with argv (never a shell).
#pragma once

#include <string>
#include <vector>

#include "iter8/task.hpp"

namespace iter8::common {

// The path of `kubectl` on PATH. Throws sdk::TaskFailed naming kubectl, PATH and `task` when
// there is none, so a Job image without kubectl fails with a clear line instead of "status 127".
std::string findKubectl(const std::string& task);

// What one captured kubectl command said.
// How much of kubectl's output is read back: its messages are judged by their last line, and
// megabytes of output (a `get` of many objects) must not be held several times over.
inline constexpr size_t kKeptKubectlOutput = 64 * 1024;

struct KubectlOutcome {
  bool ok = false;
  std::string output;     // the end of stdout and stderr (at most kKeptKubectlOutput bytes)
  std::string lastWords;  // its last non-empty line, trimmed and shortened, for messages
};

// Runs `kubectl` (a path from findKubectl) with `args`, its output captured in a temporary file
// under $TMPDIR (else /tmp). A non-zero exit is an outcome, not an exception; cancellation
// still throws sdk::Error(ITER8_ERR_CANCELLED).
KubectlOutcome runKubectlCaptured(const std::string& kubectl, const std::vector<std::string>& args,
                                  const sdk::Host& host);

// "kubectl get Deployment hello -n default": a command line for log lines and messages.
std::string commandLine(const std::vector<std::string>& args);

}  // namespace iter8::common
