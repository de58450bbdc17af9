#include "plugins/common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace iter8::common {
namespace {

using Clock = std::chrono::steady_clock;
// How long the command's process group has to stop after SIGTERM before SIGKILL. Shorter than
// the handler's own grace (5 s by default), so the task can still report before it is killed.
constexpr auto kKillGrace = std::chrono::seconds(3);
// A stop signal interrupts the wait at once (EINTR); this bounds the wait for the rare signal
// that lands between the cancellation check and poll().
constexpr int kCancelCheckMs = 100;
// Without pidfd (kernels before 5.3) the exit is noticed at this interval.
constexpr int kFallbackWaitMs = 2;

// A descriptor that becomes readable when `pid` exits; -1 where the kernel has no pidfd.
int openPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

// Waits for `pid` to exit, up to `timeoutMs` (-1: no limit); true and `status` set once reaped.
bool waitFor(pid_t pid, int pidfd, int timeoutMs, int& status) {
  pid_t done = ::waitpid(pid, &status, WNOHANG);
  if (done == pid || (done < 0 && errno != EINTR)) return true;
  if (timeoutMs != 0) {
    pollfd fd{pidfd, POLLIN, 0};
    int wait =
        pidfd < 0 && (timeoutMs < 0 || timeoutMs > kFallbackWaitMs) ? kFallbackWaitMs : timeoutMs;
    ::poll(&fd, pidfd < 0 ? 0 : 1, wait);
  }
  done = ::waitpid(pid, &status, WNOHANG);
  return done == pid || (done < 0 && errno != EINTR);
}

// SIGTERM to the command's whole process group, SIGKILL after kKillGrace, then SIGKILL to
// whatever of the group is left once the command itself is gone.
void stopGroup(pid_t pid, int pidfd, int& status) {
  ::kill(-pid, SIGTERM);
  const auto deadline = Clock::now() + kKillGrace;
  bool reaped = false;
  while (!reaped) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    reaped = waitFor(pid, pidfd, static_cast<int>(left), status);
  }
  ::kill(-pid, SIGKILL);
  if (!reaped) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace

void runProcess(const std::vector<std::string>& argv, const std::string& what,
                const sdk::Host& host, const std::string& outputFile) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  // Its own process group, so that stopping it stops everything it started; default signal
  // mask; stdin from /dev/null as Go's exec.Cmd gives (and no terminal read stopping it).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (!outputFile.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outputFile.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) throw sdk::TaskFailed(what + " could not be started: " + std::strerror(rc));
  host.debug(what + " started as pid " + std::to_string(pid));

  const int pidfd = openPidfd(pid);
  int status = 0;
  bool cancelled = false;
  while (!waitFor(pid, pidfd, kCancelCheckMs, status)) {
    if (host.cancelled()) {
      stopGroup(pid, pidfd, status);
      cancelled = true;
      break;
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  if (cancelled) {
    throw sdk::Error(ITER8_ERR_CANCELLED, what + " was stopped: the handler is stopping");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status)) {
    // 127 is how posix_spawnp reports a command it could not execute in the child.
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
