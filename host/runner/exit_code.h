// Exit codes of the handler's commands (docs/operator-guide.md#exit-codes). Their own header
// because the runner, the signal handler, the report and main all return them.
#pragma once

namespace iter8 {

enum ExitCode : int {
  kExitOk = 0,
  kExitTaskFailed = 1,     // a task ran and failed
  kExitUsage = 2,          // bad command line
  kExitBadExperiment = 3,  // the experiment could not be read or is malformed
  kExitInvalidAction = 4,  // an unknown library/task or a bad input; nothing ran
  kExitCancelled = 5,      // SIGTERM/SIGINT/SIGHUP stopped the action
};

}  // namespace iter8
