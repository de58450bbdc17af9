#include "tests/support/subprocess.h"

#include <sys/resource.h>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "lib/process/subprocess.h"

extern char** environ;

namespace iter8::test {

namespace {

using Clock = Subprocess::Clock;

// The test's environment without `unsetEnv`, with `env` added or replacing; unset (inherit
// as is) when neither changes anything. Built here, not in the child, which may call nothing
// but system calls between fork and exec (a test has threads: servers, fake API servers).
std::optional<std::vector<std::string>> environmentFor(const ProcessOptions& options) {
  if (options.env.empty() && options.unsetEnv.empty()) return std::nullopt;
  auto dropped = [&](const std::string& name) {
    return options.env.count(name) > 0 ||
           std::find(options.unsetEnv.begin(), options.unsetEnv.end(), name) !=
               options.unsetEnv.end();
  };
  std::vector<std::string> entries;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    if (!dropped(entry.substr(0, entry.find('=')))) entries.push_back(entry);
  }
  for (const auto& [key, value] : options.env) entries.push_back(key + "=" + value);
  return entries;
}

}  // namespace

ProcessResult runProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  SubprocessOptions spawn;
  spawn.argv = argv;
  spawn.env = environmentFor(options);
  spawn.workingDir = options.workingDir;
  spawn.stdinFrom = kInheritStream;  // `script` forwards its stdin to the terminal it makes
  spawn.stdoutTo = kPipeStream;
  spawn.stderrTo = kPipeStream;
  Subprocess child;
  ProcessResult result;
  if (child.start(spawn) != 0) {
    result.exitCode = 127;  // as a shell says "not found"; the reason goes to err
    result.err = child.startError() + "\n";
    return result;
  }
  const auto start = Clock::now();
  // The times at which something is due: a SIGTERM, a second SIGTERM, the time limit.
  std::vector<Clock::time_point> terminations;
  for (auto after : {options.terminateAfter, options.terminateAgainAfter}) {
    if (after.count() > 0) terminations.push_back(start + after);
  }
  std::sort(terminations.begin(), terminations.end());
  size_t sent = 0;
  const auto limit = start + options.timeout;
  while (!child.finish(sent < terminations.size() ? std::min(terminations[sent], limit) : limit)) {
    if (Clock::now() >= limit) {
      child.kill();  // the handler alone, as a user's kill -9 would
      result.timedOut = true;
      break;
    }
    if (sent < terminations.size() && Clock::now() >= terminations[sent]) {
      child.signal(options.terminateSignal);
      ++sent;
    }
  }
  result.out = child.out().tail;
  result.err = child.err().tail;
  result.exitCode = WIFEXITED(child.status()) ? WEXITSTATUS(child.status()) : -1;
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

long largestChildRssKb() {
  struct rusage usage {};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

}  // namespace iter8::test
