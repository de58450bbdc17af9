#include "host/process/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "host/process/cancellation.h"
#include "lib/duration.h"

namespace iter8 {
namespace {

using Clock = std::chrono::steady_clock;

// Without pidfd (kernels before 5.3) the exit is noticed by a waitpid at this interval.
constexpr int kFallbackWaitMs = 5;

int openPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

void writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// The report on the pipe: int32 status, uint32 length, then the message bytes.
void sendReport(int fd, const ChildReport& report) {
  std::string bytes(8, '\0');
  uint32_t length = static_cast<uint32_t>(report.message.size());
  std::memcpy(bytes.data(), &report.status, 4);
  std::memcpy(bytes.data() + 4, &length, 4);
  bytes += report.message;
  writeAll(fd, bytes.data(), bytes.size());
}

bool parseReport(const std::string& bytes, ChildReport& report) {
  if (bytes.size() < 8) return false;
  uint32_t length = 0;
  std::memcpy(&report.status, bytes.data(), 4);
  std::memcpy(&length, bytes.data() + 4, 4);
  if (bytes.size() - 8 != length) return false;
  report.message = bytes.substr(8);
  return true;
}

[[noreturn]] void childMain(const std::function<ChildReport()>& work, int reportFd, pid_t parent,
                            const sigset_t& oldMask) {
  ::setpgid(0, 0);
  // The task must not outlive a handler killed with SIGKILL.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  resetCancellationAfterFork();
  // A stop signal forwarded before this point was held back; it arrives now, after the reset.
  ::sigprocmask(SIG_SETMASK, &oldMask, nullptr);
  ChildReport report;
  try {
    report = work();
  } catch (const std::exception& e) {
    report = {-1, std::string("internal error: ") + e.what()};
  } catch (...) {
    report = {-1, "internal error: unknown exception"};
  }
  sendReport(reportFd, report);
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ::_exit(0);
}

void readAvailable(int& fd, std::string& bytes) {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      bytes.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      ::close(fd);
      fd = -1;
    }
    return;  // EOF or EAGAIN
  }
}

// Kills processes a killed child left behind: they were re-parented to this process (the
// subreaper), so they are our children now; their process groups go with them.
void killOrphans() {
  const pid_t self = ::getpid();
  const pid_t ownGroup = ::getpgrp();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    char state = 0;
    long ppid = 0, group = 0;
    if (!(fields >> state >> ppid >> group) || ppid != self) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (group > 0 && group != ownGroup) ::kill(-static_cast<pid_t>(group), SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
}

int millisUntil(Clock::time_point when) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(when - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left + 1, 0, 24 * 3600 * 1000));
}

}  // namespace

std::string signalName(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::string ChildOutcome::reason(const SuperviseOptions& options) const {
  const std::string grace = formatGoDuration(options.grace);
  switch (end) {
    case End::kReturned:
      return "";
    case End::kExited:
      return "exited without returning (exit status " + std::to_string(exitStatus) + ")";
    case End::kSignalled:
      return "crashed: " + signalName(signal);
    case End::kTimedOut:
      return "did not finish within " + options.timeoutText +
             (killed ? "; it did not stop within " + grace + " of SIGTERM and was killed"
                     : "; it was stopped");
    case End::kCancelled:
      return killed ? "did not stop within " + grace +
                          " of SIGTERM (the handler was asked to stop) and was killed"
                    : "was stopped: the handler was asked to stop";
    case End::kStoppedAtOnce:
      return "was killed: a second stop signal stopped the handler at once";
    case End::kNotStarted:
      return "could not be started: " + report.message;
  }
  return "ended abnormally";
}

ChildOutcome runSupervised(const std::function<ChildReport()>& work,
                           const SuperviseOptions& options) {
  static const bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  (void)subreaper;
  ChildOutcome outcome;
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) {
    outcome.report.message = std::string("cannot create a pipe: ") + std::strerror(errno);
    return outcome;
  }
  // Nothing buffered may be written twice, once by each process.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  // Hold stop signals across fork so the child cannot lose one before its own reset.
  sigset_t stopSignals, oldMask;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  ::sigprocmask(SIG_BLOCK, &stopSignals, &oldMask);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipeFds[0]);
    childMain(work, pipeFds[1], parent, oldMask);
  }
  ::close(pipeFds[1]);
  if (pid < 0) {
    ::sigprocmask(SIG_SETMASK, &oldMask, nullptr);
    ::close(pipeFds[0]);
    outcome.report.message = std::string("fork failed: ") + std::strerror(errno);
    return outcome;
  }
  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins the race
  setSupervisedProcessGroup(pid);
  setSecondSignalHandledBySupervisor(true);
  ::sigprocmask(SIG_SETMASK, &oldMask, nullptr);

  int reportFd = pipeFds[0];
  ::fcntl(reportFd, F_SETFL, O_NONBLOCK);
  const int pidfd = openPidfd(pid);
  const auto start = Clock::now();
  std::optional<Clock::time_point> deadline;
  if (options.timeout) deadline = start + *options.timeout;
  std::optional<Clock::time_point> killAt;
  enum class Stopping { kNo, kTimeout, kCancel } stopping = Stopping::kNo;
  bool atOnce = false;
  int status = 0;
  std::string bytes;

  for (;;) {
    if (stopSignalCount() >= 2 && !atOnce) {
      ::kill(-pid, SIGKILL);
      atOnce = outcome.killed = outcome.stopRequested = true;
    } else if (cancellationRequested() && stopping == Stopping::kNo) {
      ::kill(pid, SIGTERM);  // sets the child's cancellation flag
      stopping = Stopping::kCancel;
      outcome.stopRequested = true;
      killAt = Clock::now() + options.grace;
    }
    if (stopping == Stopping::kNo && deadline && Clock::now() >= *deadline) {
      ::kill(pid, SIGTERM);
      stopping = Stopping::kTimeout;
      killAt = Clock::now() + options.grace;
    }
    if (killAt && !outcome.killed && Clock::now() >= *killAt) {
      ::kill(-pid, SIGKILL);
      outcome.killed = true;
    }
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;

    int waitMs = -1;
    if (stopping == Stopping::kNo && deadline) waitMs = millisUntil(*deadline);
    if (killAt && !outcome.killed) waitMs = millisUntil(*killAt);
    if (pidfd < 0) waitMs = waitMs < 0 ? kFallbackWaitMs : std::min(waitMs, kFallbackWaitMs);
    pollfd fds[3] = {{pidfd, POLLIN, 0}, {reportFd, POLLIN, 0}, {stopSignalEventFd(), POLLIN, 0}};
    int ready = ::poll(fds, 3, waitMs);
    if (ready > 0 && reportFd >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
      readAvailable(reportFd, bytes);
    }
    if (ready > 0 && (fds[2].revents & POLLIN)) drainStopSignalEvents();
  }
  setSecondSignalHandledBySupervisor(false);
  setSupervisedProcessGroup(0);
  if (reportFd >= 0) {
    readAvailable(reportFd, bytes);  // what the child wrote before it ended; never blocks
    if (reportFd >= 0) ::close(reportFd);
  }
  if (pidfd >= 0) ::close(pidfd);

  const bool returned = parseReport(bytes, outcome.report);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  if (WIFEXITED(status)) outcome.exitStatus = WEXITSTATUS(status);
  // Our own SIGTERM, with the plugin having reset the handler, counts as "stopped".
  const bool stoppedByUs =
      outcome.killed || (stopping != Stopping::kNo && WIFSIGNALED(status) &&
                         (outcome.signal == SIGTERM || outcome.signal == SIGKILL));
  if (atOnce) {
    outcome.end = ChildOutcome::End::kStoppedAtOnce;
  } else if (stopping == Stopping::kTimeout && (returned || stoppedByUs || WIFEXITED(status))) {
    outcome.end = ChildOutcome::End::kTimedOut;
  } else if (returned) {
    outcome.end = ChildOutcome::End::kReturned;
  } else if (stopping == Stopping::kCancel && stoppedByUs) {
    outcome.end = ChildOutcome::End::kCancelled;
  } else if (WIFSIGNALED(status)) {
    outcome.end = ChildOutcome::End::kSignalled;
  } else {
    outcome.end = ChildOutcome::End::kExited;
  }
  if (outcome.end != ChildOutcome::End::kReturned) {
    ::kill(-pid, SIGKILL);  // anything still in its process group
    killOrphans();
  }
  return outcome;
}

}  // namespace iter8
