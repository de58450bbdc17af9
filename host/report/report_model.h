// What `handler report` shows, computed once from an experiment's status: per-version load
// figures from metrics/collect (status.analysis.aggregatedBuiltinHists), each candidate's
// difference from the baseline, and the experiment's stage, conditions and outcome. The
// table, JSON and HTML renderers only format this.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "host/report/verdict.h"

namespace iter8::report {

// The latency percentiles the report shows, in this order.
const std::vector<double>& reportPercentiles();  // 50, 90, 95, 99, 99.9
// "p50", "p99.9", ...
std::string percentileLabel(double p);

struct LatencyBucket {
  double startMs = 0;
  double endMs = 0;
  int64_t count = 0;
};

// Where a version stands in the experiment. The renderers choose the words.
enum class Role {
  kBaseline,   // spec.versionInfo.baseline
  kCandidate,  // spec.versionInfo.candidates
  kPseudo,     // measured, but not in spec.versionInfo
};

// Where a version's percentiles come from.
enum class PercentileSource {
  kNone,                   // no successful response
  kSketch,                 // the latency sketch: every run (or the last percentileRuns)
  kExact,                  // the samples of the one run
  kExactLastRun,           // the samples of the last of several runs (loops)
  kHistogram,              // interpolated from the merged histogram
  kHistogramWithFailures,  // the same, failures included (the Go handler's results)
};

// A run of metrics/collect stopped before its end (Ctrl-C, SIGTERM, the task's timeout).
struct Interruption {
  int64_t run = 0;              // 1 for the first run of the experiment
  double afterSeconds = 0;      // 0: unknown (a result written before this was recorded)
  double plannedSeconds = 0;    // 0: a run of numQueries, or unknown
  int64_t plannedRequests = 0;  // numQueries; 0 for a timed run
  int64_t requests = 0;         // responses recorded before the stop
};

struct VersionFigures {
  std::string name;
  Role role = Role::kPseudo;
  bool measured = false;  // metrics/collect recorded it
  int64_t requests = 0;
  double actualQps = 0;
  int64_t runs = 0;  // load runs folded in (loops)
  int64_t errors = 0;
  double errorRatePercent = 0;
  std::map<std::string, int64_t> errorReasons;  // "connection refused", "HTTP 503", ...
  int64_t successes = 0;
  // Successful responses only; absent when there were none.
  std::optional<double> meanMs;
  std::vector<std::optional<double>> percentilesMs;  // reportPercentiles() order
  PercentileSource percentileSource = PercentileSource::kNone;
  int64_t percentileRuns = 0;                // the runs the percentiles cover (the last ones)
  std::vector<LatencyBucket> histogram;      // successful responses, Fortio's buckets
  std::vector<LatencyBucket> fineHistogram;  // the same from the sketch (about 1 % wide)
  std::vector<Interruption> interruptions;   // runs stopped before their end, in order
  int64_t lateSends = 0;                     // sends over 1 ms late, all runs
  int64_t unsent = 0;                        // sends never made (a stalled target), all runs
};

struct Difference {
  std::optional<double> absolute;  // candidate - baseline (ms, or percentage points)
  std::optional<double> percent;   // relative to the baseline; absent when it is 0
};

struct Comparison {
  std::string version;
  Difference meanMs;
  std::vector<Difference> percentilesMs;  // reportPercentiles() order
  Difference errorRate;                   // absolute in percentage points
  Difference actualQps;
};

struct Condition {
  std::string type, status, reason, message;
};

struct Report {
  std::string name, ns;
  std::string stage;   // status.stage, "" when absent
  std::string winner;  // status.analysis.winnerAssessment.data.winner
  std::optional<bool> winnerFound;
  std::string recommendedVersion;  // status.versionRecommendedForPromotion
  std::string baseline;            // spec.versionInfo.baseline.name
  std::vector<Condition> conditions;
  std::vector<VersionFigures> versions;  // baseline, candidates, then pseudo versions
  std::vector<Comparison> comparisons;   // one per measured candidate when the baseline is
  std::string collectedAt;               // aggregatedBuiltinHists.timestamp
  Verdict verdict;                       // Iter8's analysis, computed offline (verdict.h)
};

class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ReportError naming the field when a recorded result is malformed.
Report buildReport(const rapidjson::Value& experiment);

}  // namespace iter8::report
