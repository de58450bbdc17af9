// Runs a real child process for the tests: argv, extra environment, captured output.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace iter8::test {

struct ProcessResult {
  // -1 when killed by a signal or timed out; 127 when it could not start (the reason in err)
  int exitCode = -1;
  std::string out;
  std::string err;
  bool timedOut = false;
};

struct ProcessOptions {
  std::map<std::string, std::string> env;  // added to (or replacing in) the test's environment
  std::vector<std::string> unsetEnv;
  std::string workingDir;
  std::chrono::seconds timeout{120};
  // Sends SIGTERM this long after start (0: never); for cancellation tests.
  std::chrono::milliseconds terminateAfter{0};
  // Sends a second SIGTERM this long after start (0: never); for "stop at once" tests.
  std::chrono::milliseconds terminateAgainAfter{0};
  int terminateSignal = 15;  // SIGTERM; SIGINT or SIGHUP for the other stop signals
};

ProcessResult runProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Paths of the build: bin/handler, lib/iter8/plugins, test plugin folders.
std::string handlerPath();
std::string shippedPluginDir();
std::string testPluginDir(const std::string& name);

// The argv of `handler run -a <action> -f <experimentFile>` with the shipped plugins, each test
// plugin folder named in `testPlugins` (testPluginDir), `--termination-log <terminationLog>`,
// then `extra`.
std::vector<std::string> handlerRunArgv(const std::string& action,
                                        const std::string& experimentFile,
                                        const std::string& terminationLog,
                                        const std::vector<std::string>& testPlugins = {},
                                        const std::vector<std::string>& extra = {});

// A fresh temporary folder, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string readFile(const std::string& path);

// The largest peak resident set (kB) of any child this test process has waited for so far,
// the handler's own children included (getrusage RUSAGE_CHILDREN): a memory bound a test can
// check.
long largestChildRssKb();

}  // namespace iter8::test
