// SIGTERM/SIGINT handling: the Job is being stopped; tasks see it through is_cancelled.
#pragma once

namespace iter8 {

// Installs handlers for SIGTERM and SIGINT that set the cancellation flag (async-signal-safe).
void installCancellationHandlers();

bool cancellationRequested();

// For tests and for forwarding: sets the flag as a signal would.
void requestCancellation();

}  // namespace iter8
