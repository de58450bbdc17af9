// The contract between the load generator's driver (load_generator.cpp: schedule, warm-up,
// cancellation, progress, results) and an engine that moves the bytes (curl_engine.cpp,
// fast_engine.cpp). An engine keeps `connections` connections, sends one request on an idle one
// when told, and reports every finished request. Everything runs on the driver's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "plugins/metrics/loadgen/load_generator.h"

namespace iter8::metrics {

struct HttpTarget;

// When a request was due and when it went out; the driver's, carried through the engine.
struct SendTicket {
  std::chrono::steady_clock::time_point due{};
  std::chrono::steady_clock::time_point sent{};
  bool warmUp = false;
};

class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  // A request ended: `sample` has code, responseBytes, error and latencySeconds (from
  // ticket.sent to the end of the response or the failure); the driver adds the correction.
  // May be called from inside LoadEngineRun::send (a connect that fails at once).
  virtual void onCompletion(const SendTicket& ticket, Sample sample) = 0;
};

class LoadEngineRun {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~LoadEngineRun() = default;  // drops requests in flight and closes every connection

  // Connections with no request in flight.
  virtual size_t idleConnections() const = 0;
  // Sends a request on an idle connection (there must be one).
  virtual void send(const SendTicket& ticket) = 0;
  // Waits for the network until `wake` (at most Poller::kMaxSleep), handles what arrived and
  // reports the requests that ended, then returns.
  virtual void waitAndHandle(Clock::time_point now, Clock::time_point wake) = 0;
  // TCP connections opened so far.
  virtual int socketCount() const = 0;
};

// Both throw std::runtime_error / std::system_error when the engine cannot be set up.
std::unique_ptr<LoadEngineRun> startCurlEngine(const LoadSpec& spec, CompletionSink& sink);
std::unique_ptr<LoadEngineRun> startFastEngine(const LoadSpec& spec, const HttpTarget& target,
                                               CompletionSink& sink);

}  // namespace iter8::metrics
