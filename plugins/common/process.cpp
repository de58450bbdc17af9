#include "plugins/common/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

extern char** environ;

namespace iter8::common {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kKillGrace = std::chrono::seconds(5);

// Waits for `pid` without blocking past kPollInterval; true and `status` set once it exited.
bool reaped(pid_t pid, int& status) {
  pid_t done = ::waitpid(pid, &status, WNOHANG);
  return done == pid || (done < 0 && errno != EINTR);
}

}  // namespace

void runProcess(const std::vector<std::string>& argv, const std::string& what,
                const sdk::Host& host, const std::string& outputFile) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  if (!outputFile.empty()) {
    ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outputFile.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw sdk::TaskFailed(what + " could not be started: " + std::strerror(rc));
  host.debug(what + " started as pid " + std::to_string(pid));

  int status = 0;
  while (!reaped(pid, status)) {
    if (host.cancelled()) {
      ::kill(pid, SIGTERM);
      auto deadline = Clock::now() + kKillGrace;
      while (!reaped(pid, status)) {
        if (Clock::now() > deadline) {
          ::kill(pid, SIGKILL);
          ::waitpid(pid, &status, 0);
          break;
        }
        std::this_thread::sleep_for(kPollInterval);
      }
      throw sdk::Error(ITER8_ERR_CANCELLED, what + " was stopped: the handler is stopping");
    }
    std::this_thread::sleep_for(kPollInterval);
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
