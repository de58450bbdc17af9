// The HTTP load generator behind the metrics/collect task: open loop (wrk2-style), one thread
// and one schedule per app version. It replaces the Fortio process the Go handler shelled out
// to. Two engines send the requests and share everything else (schedule, warm-up, latency
// correction, results): a lean HTTP/1.1 client for plain http:// targets (fast_engine.cpp) and
// libcurl's multi interface for everything else (curl_engine.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plugins/metrics/loadgen/send_schedule.h"
#include "plugins/metrics/loadgen/transport_error.h"

namespace iter8::metrics {

// Which engine sends the requests.
enum class LoadEngine {
  kAuto,  // kFast when the URL allows it (http_target.h: fastEngineRefusal), else kCurl
  kFast,  // our HTTP/1.1 client: epoll, one prebuilt request, http_parser; plain http:// only
  kCurl,  // libcurl: https, proxies, and any URL
};

// "auto", "fast", "curl".
const char* loadEngineName(LoadEngine engine);

// What to send, how fast, and for how long.
struct LoadSpec {
  std::string url;                   // http:// or https://
  std::vector<std::string> headers;  // "Name: value", sent as given
  std::string body;                  // non-empty (or contentType set) => POST
  std::string contentType;           // default application/octet-stream when POSTing
  double qps = 8;                    // 0 = as fast as possible
  int connections = 4;
  std::chrono::nanoseconds duration{5'000'000'000};  // used when numQueries == 0
  uint64_t numQueries = 0;                           // exact count, wins over duration
  std::chrono::nanoseconds timeout{3'000'000'000};   // per request
  LoadEngine engine = LoadEngine::kAuto;
  // A shard's part of the schedule (qps and numQueries above stay the whole schedule's); the
  // connections above are the shard's own.
  ScheduleSlice slice;
  // Set: the schedule's origin, common to every shard (wall clock, since shards are separate
  // processes); the run warms up first, then waits for it. A shard that is ready late starts
  // from the same origin and catches up, so its due times stay those of the one schedule.
  std::optional<std::chrono::system_clock::time_point> startAt;
};

// One measured request. Warm-up requests are never reported.
struct Sample {
  double latencySeconds;           // from the actual send to the end of the response
  double correctedLatencySeconds;  // from the intended send time (no coordinated omission)
  int code;                        // HTTP status, or -1 on a transport failure
  size_t responseBytes;            // body bytes received (headers not counted)
  TransportError error = TransportError::kNone;  // why code is -1
};

// Receives every sample, on the generator's thread only, as soon as the response completes.
class SampleObserver {
 public:
  virtual ~SampleObserver() = default;
  virtual void onSample(const Sample& sample) = 0;
};

// Live figures, reported about once a second (and not during warm-up).
struct Progress {
  uint64_t sent = 0;       // requests handed to libcurl
  uint64_t completed = 0;  // samples reported so far
  uint64_t errors = 0;     // samples with code -1 or >= 400
  std::chrono::nanoseconds elapsed{0};
};

struct LoadResult {
  std::chrono::system_clock::time_point start;  // when the timed part began (after warm-up)
  std::chrono::nanoseconds actualDuration{0};   // start to the last response (or the stop)
  uint64_t requests = 0;                        // samples reported (warm-up excluded)
  uint64_t lateSends = 0;              // sends more than kLateSendThreshold after their due time
  std::chrono::nanoseconds maxLag{0};  // the largest (send time - due time)
  // Duration mode only: requests due before the end that never went out because every
  // connection stayed busy until 1 s past the end (a stalled target). Not in `requests`.
  uint64_t unsent = 0;
  bool interrupted = false;               // cancelled() returned true before the end
  int socketCount = 0;                    // TCP connections opened, warm-up included
  LoadEngine engine = LoadEngine::kAuto;  // the engine that ran: kFast or kCurl
};

// A send this much later than its due time counts in LoadResult::lateSends. Below it the lag is
// wake-up jitter of the scheduler (tens of microseconds), which says nothing about the target.
inline constexpr std::chrono::nanoseconds kLateSendThreshold = std::chrono::milliseconds(1);

// Runs the load on the calling thread and returns when it is done (all responses in, or timed
// out) or within 1 s of cancelled() turning true; cancelled() is polled at least every 100 ms.
// Open loop when qps > 0: request k is due at start + k/qps and goes out on any idle connection;
// when behind, sends catch up at no more than twice qps (over any interval T: at most
// 2 * qps * T sends plus a burst of max(2, 1 + 4 ms * qps), so overdue requests leave together,
// one wake-up for all). A duration run ends its schedule at `duration`; sends still owed 1 s after
// that are given up (LoadResult::unsent). One warm-up request per connection precedes the timed
// part and is not reported. Linux only (epoll, timerfd). Errors of requests are data (code -1), not
// exceptions. Throws std::invalid_argument, before any request, when the URL cannot be parsed or is
// not http(s), when the numbers make no sense (connections < 1, qps < 0, ...), or when kFast is
// asked for a URL it cannot serve. Thread-safe: several threads may run loads at once.
LoadResult runLoad(const LoadSpec& spec, SampleObserver& observer,
                   const std::function<bool()>& cancelled,
                   const std::function<void(const Progress&)>& progress = {});

}  // namespace iter8::metrics
