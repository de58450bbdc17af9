// SIGTERM/SIGINT handling: the Job is being stopped; tasks see it through is_cancelled.
#pragma once

#include <chrono>

namespace iter8 {

// Installs handlers for SIGTERM and SIGINT that set the cancellation flag (async-signal-safe).
void installCancellationHandlers();

bool cancellationRequested();

// For tests and for forwarding: sets the flag as a signal would.
void requestCancellation();

// Sleeps until cancellation is requested (true) or `timeout` passes (false), without polling:
// every waiting thread wakes as soon as a stop signal arrives.
bool waitForCancellation(std::chrono::milliseconds timeout);

}  // namespace iter8
