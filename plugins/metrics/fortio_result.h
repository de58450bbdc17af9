// One version's load result as the JSON Fortio writes (its field names and units), plus our
// additions, and the merge with a result stored by an earlier run of the task.
#pragma once

#include <chrono>
#include <string>

#include <rapidjson/document.h>

#include "plugins/metrics/loadgen/load_generator.h"
#include "plugins/metrics/version_recorder.h"

namespace iter8::metrics {

// The percentiles Fortio reports and we report.
const std::vector<double>& reportedPercentiles();

struct RunDescription {
  std::string label;  // Fortio's Labels
  std::string url;    // as requested (query string removed)
  double qps = 0;     // 0: "max"
  std::chrono::nanoseconds duration{0};
  uint64_t numQueries = 0;  // Fortio's Exactly
  int connections = 0;
  std::chrono::nanoseconds timeout{0};
  std::string version;  // our version, Fortio's Version field
};

// The ActualDuration reported: a timed run that was not interrupted lasts at least `time`, as
// Fortio's did (it ran its schedule to the end), so 4 requests of a 2 s run at 2 qps are 2 qps,
// not 4 / 1.5 s; runs of numQueries and interrupted runs end at their last response.
std::chrono::nanoseconds reportedDuration(const RunDescription& run, const LoadResult& load);

// Fortio's HTTPRunnerResults for one run, with CorrectedDurationHistogram, LateSends,
// MaxLagNs, Unsent, Interrupted, ErrorReasons and ExactPercentiles (successful responses only)
// added.
rapidjson::Value fortioResultJson(const RunDescription& run, const LoadResult& load,
                                  VersionRecorder& recorder,
                                  rapidjson::Document::AllocatorType& allocator);

// Folds `earlier` (a result from status, possibly from an older handler) into `latest`:
// histograms merge bucket by bucket, counts and durations add, RetCodes add, ActualQPS is
// recomputed, StartTime is the earlier one; ExactPercentiles stay those of the latest run.
// Throws std::runtime_error naming the field when `earlier` is malformed.
void mergeEarlierResult(rapidjson::Value& latest, const rapidjson::Value& earlier,
                        rapidjson::Document::AllocatorType& allocator);

// A shard's side (docs/scale.md#exact-percentiles-over-shards): its store of the successful
// responses' latencies, as ExactPercentilesState in its result, raw samples when at most
// `maxSamples`, else log buckets.
void addExactPercentilesState(rapidjson::Value& result, const fortio::ExactPercentiles& store,
                              size_t maxSamples, rapidjson::Document::AllocatorType& allocator);

// The coordinator's side: the shards' stores of one version merged into one store, which then
// holds what one store fed all their samples would (exact while their union fits its limit).
class ShardExactPercentiles {
 public:
  explicit ShardExactPercentiles(size_t sampleLimit = fortio::ExactPercentiles::kDefaultSampleLimit)
      : store_(sampleLimit) {}
  // Takes the ExactPercentilesState out of a shard's result and merges it. A result without a
  // usable one makes the merged ExactPercentiles empty (Count 0): returns why, else "".
  std::string add(rapidjson::Value& shardResult);
  // Sets `merged`'s ExactPercentiles to the merged store's and drops any state left in it.
  void finish(rapidjson::Value& merged, rapidjson::Document::AllocatorType& allocator);

 private:
  fortio::ExactPercentiles store_;
  bool complete_ = true;
};

// Folds `other`, another shard's result of the same run (docs/scale.md), into `merged`:
// histograms, the sketch, RetCodes, ErrorReasons, LateSends, Unsent and SocketCount add as for
// loops, but the shards ran at once from one origin: ActualDuration is the longest, StartTime
// stays, NumThreads add, Runs and SketchRuns stay, Interrupted when any was. ExactPercentiles
// become empty (Count 0) here: ShardExactPercentiles merges them. Throws std::runtime_error
// naming the field when `other` is malformed, leaving `merged` as it was.
void mergeShardResult(rapidjson::Value& merged, const rapidjson::Value& other,
                      rapidjson::Document::AllocatorType& allocator);

}  // namespace iter8::metrics
