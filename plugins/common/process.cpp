#include "plugins/common/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "lib/process/subprocess.h"

namespace iter8::common {
namespace {

using Clock = Subprocess::Clock;
// How long the command's process group has to stop after SIGTERM before SIGKILL. Shorter than
// the handler's own grace (5 s by default), so the task can still report before it is killed.
constexpr auto kKillGrace = std::chrono::seconds(3);
// A stop signal interrupts the wait at once (EINTR); this bounds the wait for the rare signal
// that lands between the cancellation check and the wait.
constexpr auto kCancelCheck = std::chrono::milliseconds(100);

}  // namespace

void runProcess(const std::vector<std::string>& argv, const std::string& what,
                const sdk::Host& host, const std::string& outputFile) {
  // Its own process group, so that stopping it stops everything it started; stdin from
  // /dev/null as Go's exec.Cmd gives (and no terminal read stopping it).
  SubprocessOptions options;
  options.argv = argv;
  options.newProcessGroup = true;
  int output = -1;
  if (!outputFile.empty()) {
    output = ::open(outputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (output < 0) throw sdk::TaskFailed(what + " could not be started: " + std::strerror(errno));
    options.stdoutTo = options.stderrTo = output;
  }
  Subprocess child;
  const int error = child.start(options);
  if (output >= 0) ::close(output);
  if (error != 0) throw sdk::TaskFailed(what + " could not be started: " + std::strerror(error));
  host.debug(what + " started as pid " + std::to_string(child.pid()));

  while (!child.wait(Clock::now() + kCancelCheck)) {
    if (host.cancelled()) {
      child.stop(kKillGrace);
      throw sdk::Error(ITER8_ERR_CANCELLED,
                       what + " was stopped: " + sdk::cancelReasonText(host.cancelReason()));
    }
  }
  const int status = child.status();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status)) {
    // 127 is how a shell reports a command it could not find or execute.
    std::string hint = WEXITSTATUS(status) == 127 ? " (command not found or not executable?)" : "";
    throw sdk::TaskFailed(what + " exited with status " + std::to_string(WEXITSTATUS(status)) +
                          hint);
  }
  if (WIFSIGNALED(status)) {
    throw sdk::TaskFailed(what + " was killed by signal " + std::to_string(WTERMSIG(status)) +
                          " (" + strsignal(WTERMSIG(status)) + ")");
  }
  throw sdk::TaskFailed(what + " ended abnormally");
}

}  // namespace iter8::common
