#include "plugins/metrics/progress_report.h"

#include <unistd.h>

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

void ProgressReport::summary(const std::vector<std::unique_ptr<VersionRecorder>>& recorders,
                             const std::vector<LoadResult>& results) const {
  host_.info("version: requests, actual qps, mean / p50 / p95 / p99 / max ms, error rate");
  for (size_t i = 0; i < recorders.size(); ++i) {
    HistogramData d = recorders[i]->durations().exportData().calcPercentiles({50, 95, 99});
    double seconds = std::chrono::duration<double>(results[i].actualDuration).count();
    double errors = static_cast<double>(recorders[i]->errorDurations().counter().count);
    std::string row =
        rows_[i].name + ": " + std::to_string(d.count) +
        format(", %.2f qps", seconds > 0 ? d.count / seconds : 0.0) +
        format(", %.3f / %.3f", d.avg * 1e3, d.percentiles[0].value * 1e3) +
        format(" / %.3f / %.3f", d.percentiles[1].value * 1e3, d.percentiles[2].value * 1e3) +
        format(" / %.3f ms, %.2f%% errors", d.max * 1e3, d.count ? 100.0 * errors / d.count : 0.0) +
        (results[i].interrupted ? " (interrupted)" : "");
    host_.info(row);
  }
}

}  // namespace iter8::metrics
