// Child processes, for every part that runs one (the supervisor's task process, exec credential
// plugins, the common plugin's commands, the tests' handler runs): start a program (argv,
// environment, stdin data, stdout/stderr to pipes or files, its own process group), wait for it
// with a deadline, read its output with a deadline and a byte cap, stop its process group.
// The shape is ninja's src/subprocess.h: one small class, no Iter8 meaning, so it links into the
// host and into plugins alike. See docs/decisions.md ("One process library").
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iter8 {

// Where one of the child's standard streams goes; a descriptor >= 0 (a file the caller opened)
// is duplicated onto it instead.
constexpr int kInheritStream = -1;  // the stream of this process
constexpr int kPipeStream = -2;     // a pipe: stdin fed from stdinData, stdout/stderr read here
constexpr int kNullStream = -3;     // /dev/null

struct SubprocessOptions {
  // argv[0] is the program: a path when it holds a '/', else looked up in this process's PATH
  // (as posix_spawnp, Go's exec.Command and client-go do), whatever `env` says.
  std::vector<std::string> argv;
  // "NAME=value" entries that replace the environment; unset: this process's environment.
  std::optional<std::vector<std::string>> env;
  std::string workingDir;  // empty: this process's
  // Never the terminal by default: a child must not stop the handler waiting for input.
  int stdinFrom = kNullStream;
  std::string stdinData;  // with kPipeStream: fed by wait(), then stdin is closed
  int stdoutTo = kInheritStream;
  int stderrTo = kInheritStream;
  // Its own process group (pgid = pid), so that signalGroup() reaches all it starts.
  bool newProcessGroup = false;
  // Per output pipe: keep only the last `outputCap` bytes (0: keep all).
  size_t outputCap = 0;
};

// What one output pipe delivered: all of it, or its tail when capped.
struct SubprocessOutput {
  std::string tail;
  uint64_t dropped = 0;  // bytes read before `tail` and not kept
};

class Subprocess {
 public:
  using Clock = std::chrono::steady_clock;

  Subprocess() = default;
  // A child still running is killed (with its group when it has one) and reaped: no zombie.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Starts the program (once per object): 0, or the errno of what failed (ENOENT: no such program),
  // which startError() then puts in a sentence naming the program or the working directory.
  int start(const SubprocessOptions& options);
  // Watches a child this process forked itself (the supervisor runs code, not a program, in its
  // child). `outFd`: the read end of a pipe from the child, read into out() and closed here.
  void adopt(pid_t pid, bool ownGroup, int outFd = -1);

  // Waits for the child to exit (true; status()) while reading its pipes and feeding its stdin.
  // False at `deadline`, or earlier when `wakeFd` becomes readable or a signal handler ran, so
  // that callers check their own stop flags without polling them.
  bool wait(Clock::time_point deadline, int wakeFd = -1);
  // Reads the pipes until all reach end of file (true) or `deadline` (false): a grandchild may
  // hold them open after the child exits. A past deadline still reads what is there.
  bool drain(Clock::time_point deadline);
  // wait() and drain() with one deadline; false when it passed first.
  bool finish(Clock::time_point deadline);

  void signal(int sig) const;       // the child alone; nothing once it is reaped
  void signalGroup(int sig) const;  // its process group when it has one, else the child
  // SIGTERM to the group, SIGKILL to the group once the child exited or `grace` passed (what it
  // started goes with it); reaps the child.
  void stop(std::chrono::milliseconds grace);
  void kill();  // SIGKILL to the group, then reaps

  pid_t pid() const { return pid_; }
  bool exited() const { return exited_; }
  int status() const { return status_; }  // as waitpid gives it (WIFEXITED ...)
  const SubprocessOutput& out() const;
  const SubprocessOutput& err() const;
  const std::string& startError() const { return startError_; }

 private:
  int fail(int error, const std::string& what);
  bool reap();
  int pollOnce(int timeoutMs, int wakeFd, bool waiting);
  void feedStdin();
  void readInto(int& fd, SubprocessOutput& output);
  void closeAll();

  pid_t pid_ = -1;
  int pidfd_ = -1;  // readable once the child exits; -1 without pidfd (kernels before 5.3)
  bool ownGroup_ = false;
  bool exited_ = false;
  int status_ = 0;
  int inFd_ = -1, outFd_ = -1, errFd_ = -1;
  std::string stdinData_;
  size_t stdinWritten_ = 0;
  size_t cap_ = 0;
  // Trimmed to the cap lazily (appends stay amortised O(1)), hence mutable.
  mutable SubprocessOutput out_, err_;
  std::string startError_;
};

}  // namespace iter8
