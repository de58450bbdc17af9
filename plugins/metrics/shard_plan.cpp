#include "plugins/metrics/shard_plan.h"

#include <cstdlib>

#include "lib/json.h"
#include "lib/text.h"
#include "plugins/metrics/loadgen/send_schedule.h"

namespace iter8::metrics {
namespace {

std::string range() {
  return "an integer from 1 to " + std::to_string(kMaxShards);
}

// Requests `load` plans per version (0: max rate for a time, which any number of shards splits).
uint64_t plannedRequests(const LoadSpec& load) {
  if (load.numQueries > 0) return load.numQueries;
  if (load.qps > 0) return scheduledCount(load.qps, load.duration);
  return 0;
}

}  // namespace

int readShards(const sdk::TaskSpec& spec) {
  if (const rapidjson::Value* value = spec.find("shards")) {
    // The schema checked type and range; this guards a host that did not.
    if (!value->IsInt() || value->GetInt() < 1 || value->GetInt() > kMaxShards) {
      throw sdk::InputError("input 'with.shards' is " + toJson(*value) + "; expected " + range());
    }
    return value->GetInt();
  }
  const char* env = std::getenv("ITER8_SHARDS");
  if (env == nullptr || *env == '\0') return 1;
  char* end = nullptr;
  long n = std::strtol(env, &end, 10);
  if (*end != '\0' || n < 1 || n > kMaxShards) {
    throw sdk::InputError("ITER8_SHARDS (or handler run --shards) is " + quoteValue(env) +
                          " (no 'with.shards' given); expected " + range());
  }
  return static_cast<int>(n);
}

std::string splitProblem(int shards, const std::vector<std::pair<std::string, LoadSpec>>& loads) {
  if (shards <= 1) return "";
  const std::string asked = "input 'with.shards' is " + std::to_string(shards);
  for (const auto& [name, load] : loads) {
    if (load.connections < shards) {
      return asked + ", more than 'with.connections' (" + std::to_string(load.connections) +
             "); expected at most one shard per connection: raise connections or lower shards";
    }
    const uint64_t planned = plannedRequests(load);
    if (planned > 0 && planned < static_cast<uint64_t>(shards)) {
      return asked + ", but version " + name + "'s schedule holds only " + std::to_string(planned) +
             " request(s); expected at least one request per shard: lower shards, or raise qps, "
             "time or numQueries";
    }
  }
  return "";
}

std::optional<ShardRun> readShardRun(const sdk::TaskSpec& spec) {
  const rapidjson::Value* shard = findMember(spec.document(), "shard");
  if (shard == nullptr) return std::nullopt;
  auto bad = [](const std::string& field, const std::string& expected) {
    return sdk::InputError("shard run: '" + field + "' is missing or wrong; expected " + expected);
  };
  if (!shard->IsObject()) throw bad("shard", "an object");
  const rapidjson::Value* count = findMember(*shard, "count");
  if (count == nullptr || !count->IsUint64() || count->GetUint64() < 1 ||
      count->GetUint64() > static_cast<uint64_t>(kMaxShards)) {
    throw bad("shard.count", range());
  }
  const rapidjson::Value* index = findMember(*shard, "index");
  if (index == nullptr || !index->IsUint64() || index->GetUint64() >= count->GetUint64()) {
    throw bad("shard.index", "an integer from 0 to shard.count - 1");
  }
  const rapidjson::Value* startAt = findMember(*shard, "startAtUnixNs");
  if (startAt == nullptr || !startAt->IsInt64()) throw bad("shard.startAtUnixNs", "an integer");
  const rapidjson::Value* output = findMember(*shard, "outputDir");
  if (output == nullptr || !output->IsString() || output->GetStringLength() == 0) {
    throw bad("shard.outputDir", "a folder");
  }
  ShardRun run;
  run.index = index->GetUint64();
  run.count = count->GetUint64();
  run.startAt = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(startAt->GetInt64())));
  run.outputDir = output->GetString();
  const rapidjson::Value* samplesMax = findMember(*shard, "partialSamplesMax");
  if (samplesMax != nullptr) {
    if (!samplesMax->IsUint64()) throw bad("shard.partialSamplesMax", "an integer from 0");
    run.partialSamplesMax = samplesMax->GetUint64();
  }
  return run;
}

std::string partialFile(const std::string& dir, uint64_t index) {
  return dir + "/shard-" + std::to_string(index) + ".json";
}

LoadSpec shardLoad(const LoadSpec& whole, uint64_t index, uint64_t count,
                   std::chrono::system_clock::time_point startAt) {
  LoadSpec load = whole;
  load.slice = ScheduleSlice{index, count};
  load.connections = static_cast<int>(
      sliceShare(static_cast<uint64_t>(whole.connections), ScheduleSlice{index, count}));
  load.startAt = startAt;
  return load;
}

uint64_t plannedShare(const LoadSpec& whole, uint64_t index, uint64_t count) {
  return sliceShare(plannedRequests(whole), ScheduleSlice{index, count});
}

}  // namespace iter8::metrics
