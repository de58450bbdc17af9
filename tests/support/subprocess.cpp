#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace iter8::test {

ProcessResult runProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  int outPipe[2], errPipe[2];
  if (pipe2(outPipe, O_CLOEXEC) != 0 || pipe2(errPipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(outPipe[1], 1);
    dup2(errPipe[1], 2);
    for (const auto& name : options.unsetEnv) unsetenv(name.c_str());
    for (const auto& [key, value] : options.env) setenv(key.c_str(), value.c_str(), 1);
    if (!options.workingDir.empty() && chdir(options.workingDir.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(outPipe[1]);
  close(errPipe[1]);
  ProcessResult result;
  auto start = std::chrono::steady_clock::now();
  bool terminated = false;
  bool terminatedAgain = false;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  int open = 2;
  char buffer[4096];
  while (open > 0) {
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (options.terminateAfter.count() > 0 && !terminated && elapsed >= options.terminateAfter) {
      kill(pid, SIGTERM);
      terminated = true;
    }
    if (options.terminateAgainAfter.count() > 0 && !terminatedAgain &&
        elapsed >= options.terminateAgainAfter) {
      kill(pid, SIGTERM);
      terminatedAgain = true;
    }
    if (elapsed > options.timeout) {
      kill(pid, SIGKILL);
      result.timedOut = true;
      break;
    }
    if (poll(fds, 2, 20) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string handlerPath() {
  return std::string(ITER8_BINARY_DIR) + "/bin/handler";
}
std::string shippedPluginDir() {
  return std::string(ITER8_BINARY_DIR) + "/lib/iter8/plugins";
}
std::string testPluginDir(const std::string& name) {
  return std::string(ITER8_BINARY_DIR) + "/test-plugins/" + name;
}

std::vector<std::string> handlerRunArgv(const std::string& action,
                                        const std::string& experimentFile,
                                        const std::string& terminationLog,
                                        const std::vector<std::string>& testPlugins,
                                        const std::vector<std::string>& extra) {
  std::vector<std::string> argv{
      handlerPath(),     "run", "-a", action, "-f", experimentFile, "--plugins-dir",
      shippedPluginDir()};
  for (const std::string& folder : testPlugins) {
    argv.push_back("--plugins-dir");
    argv.push_back(testPluginDir(folder));
  }
  argv.push_back("--termination-log");
  argv.push_back(terminationLog);
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "iter8-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  std::string path = file(name);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace iter8::test
