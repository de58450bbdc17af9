// How metrics/collect splits its load over shards (docs/scale.md): the `shards` input and its
// checks, the shard a shard process runs (from its TaskSpec), and each shard's part of a
// version's load.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "iter8/task.hpp"
#include "plugins/metrics/loadgen/load_generator.h"

namespace iter8::metrics {

// The most shards a task may ask for: 64 pods (or local processes) per collect.
inline constexpr int kMaxShards = 64;

// The task's `shards`, else $ITER8_SHARDS (for the whole run), else 1. Throws sdk::InputError.
int readShards(const sdk::TaskSpec& spec);

// Why `loads` (name, load) cannot be split over `shards` ("" when they can): more shards than
// connections, or a version whose schedule holds fewer requests than shards.
std::string splitProblem(int shards, const std::vector<std::pair<std::string, LoadSpec>>& loads);

// What one shard process runs, from the TaskSpec's top-level `shard` member (set by the
// coordinator, never by an experiment: `with` is what experiments write).
struct ShardRun {
  uint64_t index = 0;
  uint64_t count = 1;
  std::chrono::system_clock::time_point startAt;
  std::string outputDir;  // where the partial result goes, as partialFile(outputDir, index)
  // At most this many raw latency samples in the partial result, all versions together (the
  // rest ship as log buckets); 0: no such cap. Set by a cluster's pod (a ConfigMap's size).
  uint64_t partialSamplesMax = 0;
};

// The TaskSpec's `shard`, when it has one. Throws sdk::InputError naming the bad field.
std::optional<ShardRun> readShardRun(const sdk::TaskSpec& spec);

// The file shard `index` writes its partial result to in `dir`: shard-<index>.json.
std::string partialFile(const std::string& dir, uint64_t index);

// Shard `index` of `count`'s part of `whole`: its slice of the schedule, its connections (the
// remainder to the low indexes), the common start.
LoadSpec shardLoad(const LoadSpec& whole, uint64_t index, uint64_t count,
                   std::chrono::system_clock::time_point startAt);

// Requests of `whole`'s schedule that shard `index` of `count` owns (0 for max-rate timed runs,
// which plan none).
uint64_t plannedShare(const LoadSpec& whole, uint64_t index, uint64_t count);

}  // namespace iter8::metrics
