// What an operator sees while load runs: a live line per version on a terminal, one log line
// per version every 10 s otherwise, and a table at the end.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "iter8/task.hpp"
#include "plugins/metrics/loadgen/load_generator.h"
#include "plugins/metrics/version_recorder.h"

namespace iter8::metrics {

class ProgressReport {
 public:
  ProgressReport(const sdk::Host& host, size_t versions);

  void describe(size_t index, const std::string& name, const LoadSpec& spec);
  // From the generator threads.
  void update(size_t index, const Progress& progress);
  void finished(size_t index);

  // Reports until every version has called finished(), then joins `threads`.
  void runUntilDone(std::vector<std::thread>& threads);

  // Logs one row per version: requests, actual QPS, mean/p50/p95/p99/max ms of the successful
  // responses (exact percentiles), error rate with reasons and the failures' mean latency; warns
  // when every request of a version failed. Safe when nothing was recorded (early SIGTERM).
  void summary(const std::vector<std::unique_ptr<VersionRecorder>>& recorders,
               const std::vector<LoadResult>& results) const;

 private:
  struct Row {
    std::string name;
    std::string planned;  // "5s" or "100 requests"
    double plannedSeconds = 0;
    Progress last;
    bool done = false;
  };
  std::string line(const Row& row) const;

  const sdk::Host& host_;
  mutable std::mutex mutex_;
  std::vector<Row> rows_;
  bool terminal_;
};

}  // namespace iter8::metrics
