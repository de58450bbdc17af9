// The load generator's driver: checks the spec, picks the engine, and runs the schedule the two
// engines share: warm-up, sends on absolute deadlines, cancellation, progress, latency correction
// and the run's figures. The engines (curl_engine.cpp, fast_engine.cpp) only move bytes.
#include "plugins/metrics/loadgen/load_generator.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <thread>

#include "lib/http.h"
#include "plugins/metrics/loadgen/http_target.h"
#include "plugins/metrics/loadgen/load_engine.h"
#include "plugins/metrics/loadgen/poller.h"
#include "plugins/metrics/loadgen/request_headers.h"
#include "plugins/metrics/loadgen/send_schedule.h"

namespace iter8::metrics {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// cancelled() is called at most this often (it is caller code; keep it off the hot path); the
// engines never sleep longer than Poller::kMaxSleep, so cancellation is seen within ~100 ms.
constexpr nanoseconds kCancelCheckInterval = std::chrono::milliseconds(10);
constexpr nanoseconds kProgressInterval = std::chrono::seconds(1);

// Checks the numbers and headers of `spec`; its URL is checked by chooseEngine.
void validateSpec(const LoadSpec& spec) {
  if (spec.connections < 1) throw std::invalid_argument("connections must be at least 1");
  if (!std::isfinite(spec.qps) || spec.qps < 0)
    throw std::invalid_argument("qps must be a finite number >= 0");
  if (spec.numQueries == 0 && spec.duration <= nanoseconds::zero())
    throw std::invalid_argument("duration must be positive when numQueries is 0");
  if (spec.timeout <= nanoseconds::zero()) throw std::invalid_argument("timeout must be positive");
  validateHeaders(spec.headers);
}

// The engine that sends `spec` to `url` (the spec's URL, parsed): kFast or kCurl.
LoadEngine chooseEngine(const LoadSpec& spec, const http::UrlParts& url) {
  if (url.scheme != "http" && url.scheme != "https") {
    throw std::invalid_argument("invalid URL '" + http::urlForMessages(spec.url) +
                                "': only http and https are supported");
  }
  const std::string refusal = fastEngineRefusal(url);
  switch (spec.engine) {
    case LoadEngine::kAuto:
      return refusal.empty() ? LoadEngine::kFast : LoadEngine::kCurl;
    case LoadEngine::kFast:
      if (!refusal.empty()) {
        throw std::invalid_argument("engine fast cannot send to '" +
                                    http::urlForMessages(spec.url) + "': " + refusal);
      }
      return LoadEngine::kFast;
    case LoadEngine::kCurl:
      break;
  }
  return LoadEngine::kCurl;
}

class LoadDriver : public CompletionSink {
 public:
  LoadDriver(const LoadSpec& spec, SampleObserver& observer, const std::function<bool()>& cancelled,
             const std::function<void(const Progress&)>& progress)
      : spec_(spec),
        observer_(observer),
        cancelled_(cancelled),
        progress_(progress),
        schedule_(spec.qps, spec.numQueries, spec.duration, spec.slice) {}

  LoadResult run(LoadEngineRun& engine, LoadEngine kind) {
    engine_ = &engine;
    result_.engine = kind;
    if (!warmUp()) {
      result_.start = std::chrono::system_clock::now();
      result_.interrupted = true;
      result_.socketCount = engine.socketCount();
      return result_;
    }
    if (!startTogether()) {
      result_.start = std::chrono::system_clock::now();
      result_.interrupted = true;
      result_.socketCount = engine.socketCount();
      return result_;
    }
    schedule_.start(start_);
    nextProgress_ = start_ + kProgressInterval;
    nextCancelCheck_ = start_ + kCancelCheckInterval;
    const size_t connections = static_cast<size_t>(spec_.connections);
    while (true) {
      Clock::time_point now = Clock::now();
      if (now >= nextCancelCheck_) {
        nextCancelCheck_ = now + kCancelCheckInterval;
        if (cancelled_ && cancelled_()) {
          result_.interrupted = true;
          break;  // in-flight requests are dropped, measured samples are kept
        }
      }
      if (now >= nextProgress_) {
        while (nextProgress_ <= now) nextProgress_ += kProgressInterval;  // one report per stall
        reportProgress(now);
      }
      startDueSends(now);
      if (schedule_.done() && engine.idleConnections() == connections) break;
      // Sleep until the network, the next send, the next progress report or kMaxSleep.
      Clock::time_point wake = std::min(now + Poller::kMaxSleep, nextProgress_);
      if (!schedule_.done() && engine.idleConnections() > 0)
        wake = std::min(wake, schedule_.wakeTime());
      engine.waitAndHandle(now, wake);
    }
    Clock::time_point end = Clock::now();
    result_.actualDuration = std::chrono::duration_cast<nanoseconds>(end - start_);
    result_.socketCount = engine.socketCount();
    if (!result_.interrupted) reportProgress(end);
    return result_;
  }

  void onCompletion(const SendTicket& ticket, Sample sample) override {
    // wrk2's correction: add the time the request waited past its due time.
    sample.correctedLatencySeconds =
        sample.latencySeconds + std::chrono::duration<double>(ticket.sent - ticket.due).count();
    if (ticket.warmUp) return;
    ++result_.requests;
    if (sample.code < 0 || sample.code >= 400) ++errors_;
    observer_.onSample(sample);
  }

 private:
  // One request per connection, concurrently, so every connection is open before timing
  // starts. Returns false when cancelled meanwhile.
  bool warmUp() {
    const size_t connections = static_cast<size_t>(spec_.connections);
    Clock::time_point now = Clock::now();
    for (size_t i = 0; i < connections; ++i) engine_->send(SendTicket{now, now, true});
    while (engine_->idleConnections() < connections) {
      if (cancelled_ && cancelled_()) return false;
      now = Clock::now();
      engine_->waitAndHandle(now, now + Poller::kMaxSleep);
    }
    return true;
  }

  // Sets start_ (and result_.start): now, or the common instant of spec_.startAt, waited for.
  // Returns false when cancelled meanwhile.
  bool startTogether() {
    if (!spec_.startAt) {
      start_ = Clock::now();
      result_.start = std::chrono::system_clock::now();
      return true;
    }
    const auto startAt = *spec_.startAt;
    while (std::chrono::system_clock::now() < startAt) {
      if (cancelled_ && cancelled_()) return false;
      auto left = startAt - std::chrono::system_clock::now();
      std::this_thread::sleep_for(
          std::min<std::chrono::system_clock::duration>(left, kCancelCheckInterval));
    }
    // The steady clock's reading of the common instant (in the past by a wake-up's delay).
    start_ = Clock::now() -
             std::chrono::duration_cast<nanoseconds>(std::chrono::system_clock::now() - startAt);
    result_.start = startAt;
    return true;
  }

  // Starts every request that is due and has an idle connection.
  void startDueSends(Clock::time_point now) {
    while (!schedule_.done() && engine_->idleConnections() > 0) {
      const SendSchedule::Next next = schedule_.next(now);
      if (next.decision == SendSchedule::Decision::kDone) {
        result_.unsent = schedule_.unsent();
        break;
      }
      if (next.decision == SendSchedule::Decision::kNotYet) break;
      if (spec_.qps > 0) {
        if (next.lag > kLateSendThreshold) ++result_.lateSends;
        result_.maxLag = std::max(result_.maxLag, next.lag);
      }
      engine_->send(SendTicket{next.due, now, false});
    }
  }

  void reportProgress(Clock::time_point now) {
    if (!progress_) return;
    Progress report;
    report.sent = schedule_.sent();
    report.completed = result_.requests;
    report.errors = errors_;
    report.elapsed = std::chrono::duration_cast<nanoseconds>(now - start_);
    progress_(report);
  }

  const LoadSpec& spec_;
  SampleObserver& observer_;
  const std::function<bool()>& cancelled_;
  const std::function<void(const Progress&)>& progress_;
  LoadEngineRun* engine_ = nullptr;
  LoadResult result_;
  uint64_t errors_ = 0;
  SendSchedule schedule_;
  Clock::time_point start_{};
  Clock::time_point nextProgress_{};
  Clock::time_point nextCancelCheck_{};
};

}  // namespace

const char* loadEngineName(LoadEngine engine) {
  switch (engine) {
    case LoadEngine::kFast:
      return "fast";
    case LoadEngine::kCurl:
      return "curl";
    case LoadEngine::kAuto:
      break;
  }
  return "auto";
}

LoadResult runLoad(const LoadSpec& spec, SampleObserver& observer,
                   const std::function<bool()>& cancelled,
                   const std::function<void(const Progress&)>& progress) {
  http::initCurlOnce();
  const http::UrlParts url = http::parseUrl(spec.url);
  validateSpec(spec);
  const LoadEngine kind = chooseEngine(spec, url);
  LoadDriver driver(spec, observer, cancelled, progress);
  // The driver outlives the engine, which reports to it until destroyed.
  std::unique_ptr<LoadEngineRun> engine = kind == LoadEngine::kFast
                                              ? startFastEngine(spec, httpTarget(url), driver)
                                              : startCurlEngine(spec, driver);
  return driver.run(*engine, kind);
}

}  // namespace iter8::metrics
