// Runs a piece of work (a task's `run`, a plugin's first load) in a forked child process and
// watches it: a crash, an exit, a hang past its time limit or a stop signal fails that work
// with a reason instead of taking the handler down. See docs/decisions.md ("Supervision").
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace iter8 {

// What the work reports to the supervisor when it returns: a status (0 = success, otherwise
// whatever the caller gives it meaning, e.g. an iter8_status) and a message.
struct ChildReport {
  ChildReport(int32_t s = 0, std::string m = {}) : status(s), message(std::move(m)) {}
  int32_t status = 0;
  std::string message;
  // Lines the work logged at warning level, for the parent's closing summary: the child's
  // logger dies with it.
  std::vector<std::string> warnings;
};

struct SuperviseOptions {
  // The work's time limit; none when unset. Past it, the child is asked to stop (SIGTERM,
  // which sets its cancellation flag) and killed after `grace`.
  std::optional<std::chrono::milliseconds> timeout;
  std::string timeoutText;  // how the operator wrote the limit ("30s"), for messages
  std::chrono::milliseconds grace{std::chrono::seconds(5)};
  // Forward SIGTERM/SIGINT of the handler to the child (cooperative cancellation, then a
  // kill after `grace`; a second signal kills at once).
  bool forwardStopSignals = true;
};

struct ChildOutcome {
  enum class End {
    kReturned,       // the work returned; `report` holds what it said
    kExited,         // the process exited without returning (exit(), _exit()); `exitStatus`
    kSignalled,      // the process died by a signal it did not get from us; `signal`
    kTimedOut,       // past the time limit; stopped within grace (or killed: `killed`)
    kCancelled,      // a stop signal arrived and it ended without returning (our SIGTERM, or killed
                     // after grace)
    kStoppedAtOnce,  // a second stop signal: killed at once
    kNotStarted,     // fork failed; `report.message` says why
  };
  End end = End::kNotStarted;
  ChildReport report;
  int exitStatus = 0;
  int signal = 0;
  bool killed = false;         // we had to SIGKILL it
  bool stopRequested = false;  // a stop signal arrived while it ran
  bool returned = false;       // the work returned and `report` holds what it said

  // The reason an operator reads, without a subject ("crashed: SIGSEGV", "exited without
  // returning (exit status 0)", "did not stop within 5s of SIGTERM"); empty for kReturned. A
  // task stopped at its time limit that returned a message keeps it: "...; it was stopped; the
  // task said: <message>".
  // The one place these words are made, so log, termination log and Iter8Log agree.
  std::string reason(const SuperviseOptions& options) const;
};

// Forks; the child runs `work` in its own process group, sends the report through a pipe and
// ends with _exit (no atexit handlers, no destructors of the parent's objects). The parent
// waits without polling (pidfd, the report pipe and the stop-signal descriptor in one poll),
// enforces the limits, kills the child's process group when it gives up on it, and kills the
// process groups of grandchildren orphaned by a killed child (the handler is their subreaper).
ChildOutcome runSupervised(const std::function<ChildReport()>& work,
                           const SuperviseOptions& options);

// "SIGSEGV" for 11.
std::string signalName(int signal);

}  // namespace iter8
