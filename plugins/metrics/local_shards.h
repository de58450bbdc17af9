// How a sharded collect runs its shards (docs/scale.md): locally, as N processes of this
// machine, each `handler collect-shard` on the same task; in a cluster, as the pods of an
// Indexed Job that the handler's `collect-shard-job` runs (the plugin never talks to
// Kubernetes). Started together, waited for; what each reported (its partial result) or why not.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "iter8/task.hpp"

namespace iter8::metrics {

struct ShardOutcome {
  bool reported = false;        // its partial result was read
  rapidjson::Document partial;  // {"Shard": i, "Shards": N, "Versions": {...}} when reported
  std::string missing;          // why not, one line, when not reported
};

struct LocalShardsOptions {
  int count = 1;
  // When every shard should be done by, counted from the common start; longer and the shards
  // left are stopped and counted missing. max(): no limit (max-rate count runs).
  std::chrono::nanoseconds expectedLength = std::chrono::nanoseconds::max();
  // How far ahead of now the common start is set: time for the processes to start and warm up.
  std::chrono::milliseconds lead{1500};
  // Run the shards as an Indexed Job through the handler's `collect-shard-job` (the handler
  // runs against a cluster) instead of as local processes.
  bool asJob = false;
};

// Runs the shards of `taskSpec` (the coordinator's resolved TaskSpec: task and with) and
// returns one outcome per index. The shard processes are stopped when the handler is cancelled
// and killed if this returns early; their files are removed before it returns. Throws
// sdk::TaskFailed when the shards cannot be started at all.
std::vector<ShardOutcome> runLocalShards(sdk::Host& host, const rapidjson::Value& taskSpec,
                                         const LocalShardsOptions& options);

}  // namespace iter8::metrics
