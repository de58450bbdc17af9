// SIGTERM/SIGINT/SIGHUP handling: the Job is being stopped; tasks see it through is_cancelled.
//
// The first signal requests cancellation: a flag tasks read, and a descriptor that becomes
// readable so that waiters wake at once instead of polling the flag. A second signal means
// "stop now": the supervisor handles it while it waits for a task; anywhere else the signal
// handler kills the supervised task's process group and ends the handler with the exit code
// given to installCancellationHandlers.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace iter8 {

// Why cancellation was requested. The values are iter8_cancel_reason's (plugin_api.h, ABI 1.2),
// which this layer cannot include; host_services.cpp checks that they agree.
enum class CancelReason : int {
  kNone = 0,
  kSignal = 1,       // SIGTERM/SIGINT/SIGHUP to this process from anyone but the supervisor
  kTaskTimeout = 2,  // the supervisor stopped this task process at its time limit
  kDeadline = 3,     // reserved: the handler has no deadline of its own
};

// Installs handlers for SIGTERM, SIGINT and SIGHUP that set the cancellation flag
// (async-signal-safe). `secondSignalExitCode`: the handler's exit code when a second signal ends it
// at once (the runner's kExitCancelled; passed in so that this layer does not depend on the
// runner).
void installCancellationHandlers(int secondSignalExitCode);

bool cancellationRequested();

// The first reason cancellation was requested for; kNone while it was not.
CancelReason cancellationReason();

// For tests and for forwarding: sets the flag as a signal would, for `reason` (kept only when
// none was recorded before).
void requestCancellation(CancelReason reason = CancelReason::kSignal);

// Asks process `pid` (a supervised task process, our child) to stop for `reason`: SIGTERM that
// carries the reason (sigqueue), which the child's handler records, so the task can tell a time
// limit from a stop signal. Returns false when the signal could not be sent.
bool sendStopRequest(pid_t pid, CancelReason reason);

// True as soon as cancellation is requested (already, or within `timeout`); false when
// `timeout` passes first. Blocks in poll() on a descriptor the signal handler writes: no
// polling, and any number of threads may wait at once.
bool waitForCancellation(std::chrono::milliseconds timeout);

// How many SIGTERM/SIGINT/SIGHUP arrived so far, and the last one's number (0 when none).
int stopSignalCount();
int lastStopSignal();

// A descriptor that becomes readable whenever a stop signal arrives; the supervisor polls it
// and calls drainStopSignalEvents() after waking. -1 before installCancellationHandlers().
int stopSignalEventFd();
void drainStopSignalEvents();

// While true (the supervisor is waiting on a task and handles the second signal itself) the
// signal handler does not end the process on a second signal.
void setSecondSignalHandledBySupervisor(bool handled);

// The process group the signal handler kills before it ends the process on a second signal
// (the running task's); 0 for none.
void setSupervisedProcessGroup(pid_t group);

// In a freshly forked task process: forget the parent's signal state and descriptors, so that
// this process's cancellation is its own (the supervisor forwards SIGTERM to it).
void resetCancellationAfterFork();

}  // namespace iter8
