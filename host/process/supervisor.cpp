#include "host/process/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "host/process/cancellation.h"
#include "lib/duration.h"
#include "lib/process/subprocess.h"

namespace iter8 {
namespace {

using Clock = Subprocess::Clock;

void writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// The report on the pipe: int32 status, then the message and each warning as uint32 length
// and bytes. The pipe is the child's only output the parent reads, so it all arrives or the
// child did not return.
void appendText(std::string& bytes, const std::string& text) {
  const uint32_t length = static_cast<uint32_t>(text.size());
  bytes.append(reinterpret_cast<const char*>(&length), 4);
  bytes += text;
}

void sendReport(int fd, const ChildReport& report) {
  std::string bytes(reinterpret_cast<const char*>(&report.status), 4);
  appendText(bytes, report.message);
  for (const std::string& warning : report.warnings) appendText(bytes, warning);
  writeAll(fd, bytes.data(), bytes.size());
}

// The text at `offset` (advanced past it); false when the bytes end inside it.
bool readText(const std::string& bytes, size_t& offset, std::string& text) {
  uint32_t length = 0;
  if (bytes.size() - offset < 4) return false;
  std::memcpy(&length, bytes.data() + offset, 4);
  offset += 4;
  if (bytes.size() - offset < length) return false;
  text = bytes.substr(offset, length);
  offset += length;
  return true;
}

bool parseReport(const std::string& bytes, ChildReport& report) {
  if (bytes.size() < 4) return false;
  std::memcpy(&report.status, bytes.data(), 4);
  size_t offset = 4;
  if (!readText(bytes, offset, report.message)) return false;
  while (offset < bytes.size()) {
    if (!readText(bytes, offset, report.warnings.emplace_back())) return false;
  }
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

// What the supervisor did to the child while it ran.
struct Watch {
  enum class Stopping { kNo, kTimeout, kCancel } stopping = Stopping::kNo;
  bool atOnce = false;  // a second stop signal killed it at once
};

// Forks the child that runs `work`; its pid and the read end of its report pipe, or -1 with
// the reason in `outcome`.
pid_t forkChild(const std::function<ChildReport()>& work, int& reportFd, ChildOutcome& outcome) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) {
    outcome.report.message = std::string("cannot create a pipe: ") + std::strerror(errno);
    return -1;
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
  sigaddset(&stopSignals, SIGHUP);
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
    return -1;
  }
  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins the race
  setSupervisedProcessGroup(pid);
  setSecondSignalHandledBySupervisor(true);
  ::sigprocmask(SIG_SETMASK, &oldMask, nullptr);
  reportFd = pipeFds[0];
  return pid;
}

// Enforces the time limit and passes stop signals on until the child exits. Sleeps in one
// wait on the child's exit, its report pipe and the stop-signal descriptor: no polling.
Watch watchChild(Subprocess& child, const SuperviseOptions& options, ChildOutcome& outcome) {
  using Stopping = Watch::Stopping;
  Watch watch;
  std::optional<Clock::time_point> deadline;
  if (options.timeout) deadline = Clock::now() + *options.timeout;
  std::optional<Clock::time_point> killAt;
  for (;;) {
    if (stopSignalCount() >= 2 && !watch.atOnce) {
      child.signalGroup(SIGKILL);
      watch.atOnce = outcome.killed = outcome.stopRequested = true;
    } else if (cancellationRequested() && watch.stopping == Stopping::kNo) {
      // Sets the child's cancellation flag, with our reason (a stop signal) for it.
      sendStopRequest(child.pid(), cancellationReason());
      watch.stopping = Stopping::kCancel;
      outcome.stopRequested = true;
      killAt = Clock::now() + options.grace;
    }
    if (watch.stopping == Stopping::kNo && deadline && Clock::now() >= *deadline) {
      sendStopRequest(child.pid(), CancelReason::kTaskTimeout);  // the task reads "task timeout"
      watch.stopping = Stopping::kTimeout;
      killAt = Clock::now() + options.grace;
    }
    if (killAt && !outcome.killed && Clock::now() >= *killAt) {
      child.signalGroup(SIGKILL);
      outcome.killed = true;
    }
    auto until = Clock::time_point::max();
    if (watch.stopping == Stopping::kNo && deadline) until = *deadline;
    if (killAt && !outcome.killed) until = *killAt;
    if (child.wait(until, stopSignalEventFd())) return watch;
    drainStopSignalEvents();
  }
}

ChildOutcome::End endOf(const Watch& watch, const ChildOutcome& outcome, bool returned,
                        int status) {
  using End = ChildOutcome::End;
  using Stopping = Watch::Stopping;
  // Our own SIGTERM, with the plugin having reset the handler, counts as "stopped".
  const bool stoppedByUs =
      outcome.killed || (watch.stopping != Stopping::kNo && WIFSIGNALED(status) &&
                         (outcome.signal == SIGTERM || outcome.signal == SIGKILL));
  if (watch.atOnce) return End::kStoppedAtOnce;
  if (watch.stopping == Stopping::kTimeout && (returned || stoppedByUs || WIFEXITED(status))) {
    return End::kTimedOut;
  }
  if (returned) return End::kReturned;
  if (watch.stopping == Stopping::kCancel && stoppedByUs) return End::kCancelled;
  return WIFSIGNALED(status) ? End::kSignalled : End::kExited;
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
      // A task that returned after SIGTERM said what it had done: keep its words beside ours.
      return "did not finish within " + options.timeoutText +
             (killed ? "; it did not stop within " + grace + " of SIGTERM and was killed"
                     : "; it was stopped") +
             (returned && !report.message.empty() ? "; the task said: " + report.message : "");
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
  int reportFd = -1;
  const pid_t pid = forkChild(work, reportFd, outcome);
  if (pid < 0) return outcome;
  Subprocess child;
  child.adopt(pid, /*ownGroup=*/true, reportFd);
  const Watch watch = watchChild(child, options, outcome);
  setSecondSignalHandledBySupervisor(false);
  setSupervisedProcessGroup(0);
  child.drain(Clock::now());  // what the child wrote before it ended; never blocks

  const int status = child.status();
  const bool returned = parseReport(child.out().tail, outcome.report);
  outcome.returned = returned;
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  if (WIFEXITED(status)) outcome.exitStatus = WEXITSTATUS(status);
  outcome.end = endOf(watch, outcome, returned, status);
  if (outcome.end != ChildOutcome::End::kReturned) {
    child.signalGroup(SIGKILL);  // anything still in its process group
    killOrphans();
  }
  return outcome;
}

}  // namespace iter8
