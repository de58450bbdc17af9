// Runs a child process without a shell, its stdout/stderr shared with the handler's.
#pragma once

#include <string>
#include <vector>

#include "iter8/task.hpp"

namespace iter8::common {

// Runs argv[0] (looked up in PATH) with argv, waits for it, and throws sdk::TaskFailed when it
// cannot start or exits non-zero, sdk::Error(ITER8_ERR_CANCELLED) when the host is stopping
// (its process group gets SIGTERM, then SIGKILL after 3 s). `what` names the command in messages.
// When `outputFile` is not empty, the child's stdout and stderr go to that file (created or
// truncated) instead of the handler's, so a task can read what the command said.
void runProcess(const std::vector<std::string>& argv, const std::string& what,
                const sdk::Host& host, const std::string& outputFile = {});

}  // namespace iter8::common
