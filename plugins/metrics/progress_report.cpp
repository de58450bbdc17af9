#include "plugins/metrics/progress_report.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "lib/duration.h"

namespace iter8::metrics {
namespace {

constexpr auto kTick = std::chrono::milliseconds(200);
constexpr auto kLogEvery = std::chrono::seconds(10);

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, pattern, a, b, c);
  return buffer;
}

// "connection refused: 60, HTTP 503: 3": transport reasons, then error status codes.
std::string failureReasons(const VersionRecorder& recorder);

}  // namespace

ProgressReport::ProgressReport(const sdk::Host& host, size_t versions)
    : host_(host), rows_(versions), terminal_(::isatty(STDERR_FILENO) == 1) {}

void ProgressReport::describe(size_t index, const std::string& name, const LoadSpec& spec) {
  std::lock_guard<std::mutex> lock(mutex_);
  Row& row = rows_[index];
  row.name = name;
  if (spec.numQueries > 0) {
    row.planned = std::to_string(spec.numQueries) + " requests";
  } else {
    row.planned = formatGoDuration(spec.duration);
    row.plannedSeconds = std::chrono::duration<double>(spec.duration).count();
  }
}

void ProgressReport::update(size_t index, const Progress& progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  rows_[index].last = progress;
}

void ProgressReport::finished(size_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  rows_[index].done = true;
}

std::string ProgressReport::line(const Row& row) const {
  double elapsed = std::chrono::duration<double>(row.last.elapsed).count();
  double rate = elapsed > 0 ? static_cast<double>(row.last.completed) / elapsed : 0;
  return row.name + ": sent " + std::to_string(row.last.sent) + format(", %.1f req/s", rate) +
         ", errors " + std::to_string(row.last.errors) + format(", %.1fs", elapsed) + " / " +
         row.planned;
}

void ProgressReport::runUntilDone(std::vector<std::thread>& threads) {
  auto nextLog = std::chrono::steady_clock::now() + kLogEvery;
  for (;;) {
    std::this_thread::sleep_for(kTick);
    std::lock_guard<std::mutex> lock(mutex_);
    bool allDone = true;
    for (const auto& row : rows_) allDone = allDone && row.done;
    if (terminal_) {
      std::string text = "\r";
      for (const auto& row : rows_) text += line(row) + "   ";
      std::fputs(text.c_str(), stderr);
      if (allDone) std::fputs("\n", stderr);
    }
    if (!terminal_ && std::chrono::steady_clock::now() >= nextLog) {
      for (const auto& row : rows_) host_.info(line(row));
      nextLog += kLogEvery;
    }
    if (allDone) break;
  }
  for (auto& thread : threads) thread.join();
}

namespace {
std::string failureReasons(const VersionRecorder& recorder) {
  std::string text;
  auto add = [&](const std::string& reason, int64_t n) {
    text += (text.empty() ? "" : ", ") + reason + ": " + std::to_string(n);
  };
  for (int r = 1; r < kTransportErrorCount; ++r) {
    int64_t n = recorder.transportErrors()[static_cast<size_t>(r)];
    if (n > 0) add(transportErrorName(static_cast<TransportError>(r)), n);
  }
  for (const auto& [code, n] : recorder.retCodes()) {
    if (code >= 0 && !isOkCode(code)) add("HTTP " + std::to_string(code), n);
  }
  return text;
}
}  // namespace

void ProgressReport::summary(const std::vector<std::unique_ptr<VersionRecorder>>& recorders,
                             const std::vector<LoadResult>& results) const {
  host_.info(
      "version (this run): requests, actual qps, successful responses' mean / p50 / p95 / p99 / "
      "max ms, error rate (reasons), engine");
  for (size_t i = 0; i < recorders.size(); ++i) {
    VersionRecorder& recorder = *recorders[i];
    const LoadResult& result = results[i];
    int64_t requests = static_cast<int64_t>(result.requests);
    const fortio::Counter& failed = recorder.errorDurations().counter();
    std::string row = rows_[i].name + ": " + std::to_string(requests);
    if (requests == 0) {
      host_.info(row + (result.interrupted ? " (interrupted before the first response)" : ""));
      continue;
    }
    // A timed run lasts its whole `time` (as Fortio's did; see reportedDuration).
    double seconds = std::chrono::duration<double>(result.actualDuration).count();
    if (!result.interrupted) seconds = std::max(seconds, rows_[i].plannedSeconds);
    row += format(", %.2f qps", seconds > 0 ? static_cast<double>(requests) / seconds : 0.0);
    fortio::ExactPercentiles& ok = recorder.exactPercentiles();
    if (ok.count() == 0) {
      row += ", no successful response";
    } else {
      // Exact nearest-rank values, never the histogram's interpolation (its first bucket made
      // p50 ten times the mean at high rates).
      row += format(", %.3f / %.3f", recorder.okDurations().counter().avg() * 1e3,
                    ok.percentile(50) * 1e3) +
             format(" / %.3f / %.3f", ok.percentile(95) * 1e3, ok.percentile(99) * 1e3) +
             format(" / %.3f ms", ok.max() * 1e3) + (ok.exact() ? "" : " (within 0.4%)");
    }
    double errorRate = 100.0 * static_cast<double>(failed.count) / static_cast<double>(requests);
    row += format(", %.2f%% errors", errorRate);
    std::string reasons = failureReasons(recorder);
    if (!reasons.empty()) {
      row += " (" + reasons + format("; failed in %.3f ms on average)", failed.avg() * 1e3);
    }
    row += std::string(", ") + loadEngineName(result.engine) + " engine";
    if (result.interrupted) row += " (interrupted)";
    host_.info(row);
    if (failed.count == requests) {
      host_.warn("ALL " + std::to_string(requests) + " requests to version " + rows_[i].name +
                 " failed (" + reasons + "): it was not measured; check that it runs and that " +
                 "its URL is right");
    }
  }
}

}  // namespace iter8::metrics
