// lib/process: real children (/bin/sh, /bin/sleep, /bin/cat), real signals, real pipes.
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/source/kube/config.h"
#include "lib/http.h"
#include "lib/process/subprocess.h"

namespace iter8 {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = Subprocess::Clock;
using namespace std::chrono_literals;

// Generous: a loaded CI machine may be slow, but nothing here should take this long.
constexpr auto kPatience = 60s;

SubprocessOptions shell(const std::string& script) {
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.stdoutTo = kPipeStream;
  return options;
}

// Starts `options`, waits for exit and end of output within kPatience.
void runToEnd(Subprocess& child, const SubprocessOptions& options) {
  ASSERT_EQ(child.start(options), 0) << child.startError();
  ASSERT_TRUE(child.finish(Clock::now() + kPatience));
}

// True once `pid` is gone or a zombie (its parent, not us, reaps it).
bool deadWithin(pid_t pid, std::chrono::seconds bound) {
  const auto until = Clock::now() + bound;
  while (Clock::now() < until) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (!in || close == std::string::npos || stat.substr(close + 2, 1) == "Z") return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(Subprocess, ReportsTheExitStatus) {
  Subprocess child;
  runToEnd(child, shell("exit 7"));
  ASSERT_TRUE(child.exited());
  ASSERT_TRUE(WIFEXITED(child.status()));
  EXPECT_EQ(WEXITSTATUS(child.status()), 7);
}

TEST(Subprocess, ReportsTheSignalThatKilledIt) {
  Subprocess child;
  runToEnd(child, shell("kill -USR1 $$"));
  ASSERT_TRUE(WIFSIGNALED(child.status()));
  EXPECT_EQ(WTERMSIG(child.status()), SIGUSR1);
}

TEST(Subprocess, SeparatesStdoutFromStderr) {
  SubprocessOptions options = shell("echo out; echo err >&2");
  options.stderrTo = kPipeStream;
  Subprocess child;
  runToEnd(child, options);
  EXPECT_EQ(child.out().tail, "out\n");
  EXPECT_EQ(child.err().tail, "err\n");
}

TEST(Subprocess, DeliversStdinLargerThanAPipe) {
  // 1 MiB both ways: cat blocks on a full stdout unless it is read while stdin is fed.
  std::string input;
  for (int i = 0; input.size() < (1 << 20); ++i) input += "line " + std::to_string(i) + "\n";
  SubprocessOptions options;
  options.argv = {"/bin/cat"};
  options.stdinFrom = kPipeStream;
  options.stdinData = input;
  options.stdoutTo = kPipeStream;
  Subprocess child;
  runToEnd(child, options);
  EXPECT_EQ(child.out().tail.size(), input.size());
  EXPECT_TRUE(child.out().tail == input);
  EXPECT_EQ(child.out().dropped, 0u);
}

TEST(Subprocess, SurvivesAChildThatDoesNotReadItsInput) {
  // Writing to a pipe nobody reads raises SIGPIPE, which would end this test binary.
  // It stays a while after closing stdin, so that the writes meet the closed pipe.
  SubprocessOptions options = shell("exec 0<&-; sleep 0.2; exit 3");
  options.stdinFrom = kPipeStream;
  options.stdinData = std::string(8 << 20, 'x');
  Subprocess child;
  runToEnd(child, options);
  EXPECT_EQ(WEXITSTATUS(child.status()), 3);
}

TEST(Subprocess, CapsLargeOutputAndKeepsTheTail) {
  std::string expected;
  for (int i = 1; i <= 200000; ++i) expected += std::to_string(i) + "\n";
  SubprocessOptions options;
  options.argv = {"seq", "1", "200000"};
  options.stdoutTo = kPipeStream;
  options.outputCap = 1000;
  Subprocess child;
  runToEnd(child, options);
  EXPECT_EQ(child.out().tail, expected.substr(expected.size() - 1000));
  EXPECT_EQ(child.out().dropped, expected.size() - 1000);
}

TEST(Subprocess, ReplacesTheEnvironmentWhenGivenOne) {
  ::setenv("ITER8_PROCESS_TEST_MARK", "parent", 1);
  SubprocessOptions options;
  options.argv = {"/usr/bin/env"};
  options.stdoutTo = kPipeStream;
  Subprocess inherited;
  runToEnd(inherited, options);
  EXPECT_THAT(inherited.out().tail, HasSubstr("ITER8_PROCESS_TEST_MARK=parent\n"));

  options.env = std::vector<std::string>{"ONLY=this"};
  Subprocess replaced;
  runToEnd(replaced, options);
  EXPECT_EQ(replaced.out().tail, "ONLY=this\n");
  ::unsetenv("ITER8_PROCESS_TEST_MARK");
}

TEST(Subprocess, ReportsAMissingProgramClearly) {
  Subprocess byPath;
  SubprocessOptions options;
  options.argv = {"/nonexistent/iter8-no-such-program"};
  EXPECT_EQ(byPath.start(options), ENOENT);
  EXPECT_EQ(byPath.startError(),
            "cannot run /nonexistent/iter8-no-such-program: No such file or directory");
  EXPECT_FALSE(byPath.exited());

  Subprocess byName;
  options.argv = {"iter8-no-such-program"};
  EXPECT_EQ(byName.start(options), ENOENT);
  EXPECT_THAT(byName.startError(), HasSubstr("iter8-no-such-program"));
  // No child to reap was left behind by the failed start.
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(Subprocess, RunsInTheWorkingDirectoryOrSaysWhyNot) {
  SubprocessOptions options = shell("pwd");
  options.workingDir = "/";
  Subprocess child;
  runToEnd(child, options);
  EXPECT_EQ(child.out().tail, "/\n");

  options.workingDir = "/nonexistent/iter8-dir";
  Subprocess missing;
  EXPECT_EQ(missing.start(options), ENOENT);
  EXPECT_THAT(missing.startError(), HasSubstr("/nonexistent/iter8-dir as working directory"));
}

TEST(Subprocess, WritesStdoutAndStderrToAFileTheCallerOpened) {
  char path[] = "/tmp/iter8-process-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  SubprocessOptions options = shell("echo one; echo two >&2");
  options.stdoutTo = fd;
  options.stderrTo = fd;
  Subprocess child;
  runToEnd(child, options);
  ::close(fd);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(path);
  EXPECT_EQ(text.str(), "one\ntwo\n");
}

TEST(Subprocess, WaitEndsAtTheDeadlineWhileTheChildRuns) {
  SubprocessOptions options;
  options.argv = {"/bin/sleep", "1000"};
  Subprocess child;
  ASSERT_EQ(child.start(options), 0);
  const auto start = Clock::now();
  bool exited = true;
  while (Clock::now() - start < 200ms) exited = child.wait(start + 200ms);
  EXPECT_FALSE(exited);
  EXPECT_FALSE(child.exited());
  child.kill();
  ASSERT_TRUE(child.exited());
  EXPECT_EQ(WTERMSIG(child.status()), SIGKILL);
}

TEST(Subprocess, WaitWakesWhenTheWakeDescriptorIsReadable) {
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(wake, 0);
  SubprocessOptions options;
  options.argv = {"/bin/sleep", "1000"};
  Subprocess child;
  ASSERT_EQ(child.start(options), 0);
  std::thread waker([wake] {
    std::this_thread::sleep_for(100ms);
    const uint64_t one = 1;
    EXPECT_EQ(::write(wake, &one, sizeof one), 8);
  });
  const auto start = Clock::now();
  EXPECT_FALSE(child.wait(start + 10min, wake));
  EXPECT_LT(Clock::now() - start, kPatience);
  waker.join();
  ::close(wake);
}

TEST(Subprocess, StopsWithSigtermFirst) {
  // The trap runs between sleeps: a child that handles SIGTERM ends on its own terms.
  SubprocessOptions options = shell("trap 'echo term; exit 3' TERM; while :; do sleep 0.05; done");
  options.newProcessGroup = true;
  Subprocess child;
  ASSERT_EQ(child.start(options), 0);
  EXPECT_FALSE(child.wait(Clock::now() + 300ms));
  child.stop(std::chrono::milliseconds(kPatience));
  ASSERT_TRUE(child.exited());
  ASSERT_TRUE(WIFEXITED(child.status()));
  EXPECT_EQ(WEXITSTATUS(child.status()), 3);
  child.drain(Clock::now() + kPatience);
  EXPECT_EQ(child.out().tail, "term\n");
}

TEST(Subprocess, StopKillsTheWholeGroupGrandchildIncluded) {
  // The grandchild ignores SIGTERM (an ignored signal stays ignored across exec), so only the
  // SIGKILL after the grace ends it, and it is reached only through the process group.
  SubprocessOptions options =
      shell("(trap '' TERM; exec /bin/sleep 1000) & echo $!; trap '' TERM; wait");
  options.newProcessGroup = true;
  Subprocess child;
  ASSERT_EQ(child.start(options), 0);
  // The grandchild's pid arrives on stdout; the deadline passes with the child still running.
  const auto until = Clock::now() + kPatience;
  while (child.out().tail.find('\n') == std::string::npos && Clock::now() < until) {
    ASSERT_FALSE(child.wait(Clock::now() + 50ms));
  }
  const pid_t grandchild = std::atoi(child.out().tail.c_str());
  ASSERT_GT(grandchild, 0);
  EXPECT_EQ(::kill(grandchild, 0), 0);
  child.stop(200ms);
  ASSERT_TRUE(child.exited());
  EXPECT_EQ(WTERMSIG(child.status()), SIGKILL);
  EXPECT_TRUE(deadWithin(grandchild, 30s));
  EXPECT_TRUE(child.drain(Clock::now() + kPatience));  // nobody holds the pipe any more
}

TEST(Subprocess, LeavesNoZombie) {
  pid_t finished = 0, abandoned = 0;
  {
    Subprocess child;
    runToEnd(child, shell("exit 0"));
    finished = child.pid();
    Subprocess running;
    SubprocessOptions options;
    options.argv = {"/bin/sleep", "1000"};
    ASSERT_EQ(running.start(options), 0);
    abandoned = running.pid();
  }  // `running` is killed and reaped here
  for (pid_t pid : {finished, abandoned}) {
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << pid;
    EXPECT_EQ(errno, ECHILD);
    EXPECT_EQ(::kill(pid, 0), -1) << pid;
  }
}

TEST(Subprocess, PassesNoDescriptorToTheChild) {
  // A descriptor without close-on-exec, as careless code elsewhere in a process might open.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  ASSERT_EQ(::dup2(leaky, 50), 50);
  Subprocess child;
  runToEnd(child, shell("for f in /proc/self/fd/*; do echo \"${f##*/}\"; done"));
  ::close(leaky);
  ::close(50);
  // 0, 1, 2, and the descriptor the shell's glob read the folder with (3).
  std::istringstream lines(child.out().tail);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_LE(std::stoi(line), 3) << child.out().tail;
  }
  EXPECT_GE(count, 3);
}

TEST(Subprocess, StartsWithNoSignalBlockedAndSigpipeAtItsDefault) {
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &old);
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  SubprocessOptions options;
  options.argv = {"/bin/cat", "/proc/self/status"};
  options.stdoutTo = kPipeStream;
  Subprocess child;
  runToEnd(child, options);
  ::sigaction(SIGPIPE, &previous, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_THAT(child.out().tail, HasSubstr("SigBlk:\t0000000000000000\n"));
  // SIGPIPE is signal 13: bit 0x1000 of SigIgn.
  const size_t at = child.out().tail.find("SigIgn:\t");
  ASSERT_NE(at, std::string::npos);
  const unsigned long ignored = std::stoul(child.out().tail.substr(at + 8, 16), nullptr, 16);
  EXPECT_EQ(ignored & 0x1000UL, 0UL);
}

TEST(Subprocess, WatchesAChildItDidNotStart) {
  int report[2];
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    const char text[] = "report";
    (void)!::write(report[1], text, sizeof text - 1);
    ::_exit(5);
  }
  ::close(report[1]);
  ::setpgid(pid, pid);
  Subprocess child;
  child.adopt(pid, true, report[0]);
  EXPECT_TRUE(child.wait(Clock::now() + kPatience));
  EXPECT_TRUE(child.drain(Clock::now()));
  EXPECT_EQ(WEXITSTATUS(child.status()), 5);
  EXPECT_EQ(child.out().tail, "report");
}

// The exec credential plugin through the library: a plugin that closes its stdout and then
// hangs used to block the handler in waitpid past its time limit, and what it started
// outlived it.
TEST(ExecCredentialPlugin, IsKilledWithWhatItStartedAtItsTimeLimit) {
  char dir[] = "/tmp/iter8-process-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string pidFile = std::string(dir) + "/pid";
  kube::ExecConfig exec;
  exec.apiVersion = "client.authentication.k8s.io/v1";
  exec.command = "/bin/sh";
  exec.args = {"-c", "sleep 1000 >/dev/null & echo $! > " + pidFile + "; exec >&-; wait"};
  exec.timeout = 1s;
  auto authenticator = kube::makeExecAuthenticator(exec, "https://127.0.0.1:1", "", false);
  http::Request request;
  const auto start = Clock::now();
  try {
    authenticator->authenticate(request);
    ADD_FAILURE() << "expected ConfigError";
  } catch (const kube::ConfigError& e) {
    EXPECT_STREQ(e.what(), "exec plugin /bin/sh did not finish within 1 s");
  }
  EXPECT_LT(Clock::now() - start, kPatience);
  std::ifstream in(pidFile);
  pid_t grandchild = 0;
  in >> grandchild;
  ::unlink(pidFile.c_str());
  ::rmdir(dir);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(deadWithin(grandchild, 30s));
}

}  // namespace
}  // namespace iter8
