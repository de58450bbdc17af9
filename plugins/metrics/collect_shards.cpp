// metrics/collect over shards (docs/scale.md): the shard's side (its part of the load, its
// partial result) and the coordinator's (the shards run, their partials merged once).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "lib/atomic_file.h"
#include "lib/json.h"
#include "plugins/metrics/collect.h"
#include "plugins/metrics/fortio_result.h"
#include "plugins/metrics/local_shards.h"

namespace iter8::metrics {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

// How long the whole schedule lasts (max(): no bound, a max-rate count run), plus the
// requests' timeout for the last responses.
std::chrono::nanoseconds expectedLength(const LoadSpec& load) {
  std::chrono::nanoseconds length = load.duration;
  if (load.numQueries > 0) {
    if (load.qps <= 0) return std::chrono::nanoseconds::max();
    length = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(static_cast<double>(load.numQueries) / load.qps));
  }
  return length + load.timeout;
}

std::string qpsText(double qps) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", qps);
  return text;
}

double numberOf(const rapidjson::Value& result, const char* name) {
  const rapidjson::Value* v = findMember(result, name);
  return v != nullptr && v->IsNumber() ? v->GetDouble() : 0;
}

// The handler says, through the environment its tasks inherit, that it runs against a cluster:
// then the shards are the pods of an Indexed Job (docs/scale.md).
bool shardsAsJob() {
  const char* mode = std::getenv("ITER8_SHARD_MODE");
  return mode != nullptr && std::string(mode) == "job";
}

// Pods take longer to start than processes: the common start is 10 s ahead in a cluster, or
// $ITER8_SHARD_LEAD_MS.
std::chrono::milliseconds shardJobLead() {
  const char* text = std::getenv("ITER8_SHARD_LEAD_MS");
  if (text != nullptr && *text != '\0') {
    char* end = nullptr;
    long long ms = std::strtoll(text, &end, 10);
    if (*end == '\0' && ms >= 0) return std::chrono::milliseconds(ms);
  }
  return std::chrono::seconds(10);
}

}  // namespace

void CollectTask::runShard(sdk::Host& host) {
  const ShardRun& shard = *shardRun_;
  const std::string name =
      "shard " + std::to_string(shard.index) + " of " + std::to_string(shard.count);
  const Measured measured = sendLoads(host);
  const bool interrupted = host.cancelled();
  // Before the result is written: a shard short of descriptors reports no result, and the
  // coordinator names why (its last log line) instead of merging a short count silently.
  failIfDescriptorsRanOut(measured);
  rapidjson::Document partial(rapidjson::kObjectType);
  auto& a = partial.GetAllocator();
  std::vector<rapidjson::Value> results = resultsOf(host, measured, a);
  // Raw samples while the shards' union of a version fits one store's limit (limit / N each,
  // so the coordinator never holds more than one store's worth), and within the pod's cap.
  size_t maxSamples =
      (fortio::ExactPercentiles::kDefaultSampleLimit + shard.count - 1) / shard.count;
  if (shard.partialSamplesMax > 0) {
    maxSamples = std::min<size_t>(maxSamples, shard.partialSamplesMax / versions_.size());
  }
  rapidjson::Value versions(rapidjson::kObjectType);
  for (size_t i = 0; i < versions_.size(); ++i) {
    addExactPercentilesState(results[i], measured.recorders[i]->exactPercentiles(), maxSamples, a);
    versions.AddMember(rapidjson::Value(versions_[i].name, a), results[i], a);
  }
  partial.AddMember("Shard", static_cast<uint64_t>(shard.index), a);
  partial.AddMember("Shards", static_cast<uint64_t>(shard.count), a);
  partial.AddMember("Versions", versions, a);
  const std::string file = partialFile(shard.outputDir, shard.index);
  try {
    writeFileAtomically(file, toJson(partial));
  } catch (const AtomicWriteError& e) {
    throw sdk::TaskFailed(name + ": cannot write its result to " + file + ": " + e.what());
  }
  host.info(name + ": result written to " + file);
  if (interrupted) {
    throw sdk::Error(ITER8_ERR_CANCELLED, name + ": load stopped early; partial result written");
  }
}

void CollectTask::runSharded(sdk::Host& host, const std::string& payload) {
  rapidjson::Document spec;
  spec.Parse(taskSpecJson_.c_str());
  auto& specAllocator = spec.GetAllocator();
  if (!payloadUrl_.empty()) {  // fetched once, here: the shards send it as payloadStr
    rapidjson::Value& with = spec["with"];
    with.RemoveMember("payloadURL");
    with.RemoveMember("payloadStr");
    with.AddMember("payloadStr", rapidjson::Value(payload, specAllocator), specAllocator);
  }
  LocalShardsOptions options;
  options.count = shards_;
  options.asJob = shardsAsJob();
  if (options.asJob) options.lead = shardJobLead();
  options.expectedLength = std::chrono::nanoseconds::zero();
  for (const auto& version : versions_) {
    options.expectedLength = std::max(options.expectedLength, expectedLength(version.load));
  }
  std::vector<ShardOutcome> outcomes = runLocalShards(host, spec, options);
  const bool interrupted = host.cancelled();

  // A shard without a result for some version counts as missing altogether: a shard is whole.
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].reported) continue;
    const rapidjson::Value& results = outcomes[i].partial["Versions"];
    for (const auto& version : versions_) {
      const rapidjson::Value* result = findMember(results, version.name);
      if (result == nullptr || !result->IsObject()) {
        outcomes[i].reported = false;
        outcomes[i].missing = "wrote no result for version " + version.name;
        break;
      }
    }
  }
  std::vector<size_t> missing;
  std::string reasons;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].reported) continue;
    missing.push_back(i);
    reasons += (reasons.empty() ? "" : "; ") + std::string("shard ") + std::to_string(i) + " " +
               outcomes[i].missing;
  }
  const std::string of = " of " + std::to_string(shards_);
  if (missing.size() == outcomes.size()) {
    throw sdk::TaskFailed("none of the " + std::to_string(shards_) +
                          " shards reported: " + reasons);
  }

  rapidjson::Document patch(rapidjson::kObjectType);
  auto& a = patch.GetAllocator();
  std::vector<rapidjson::Value> merged(versions_.size());
  for (size_t v = 0; v < versions_.size(); ++v) {
    const Version& version = versions_[v];
    rapidjson::Value shardQps(rapidjson::kArrayType);
    uint64_t unsent = 0;
    ShardExactPercentiles exact;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!outcomes[i].reported) {
        unsent += plannedShare(version.load, i, outcomes.size());
        shardQps.PushBack(rapidjson::Value(), a);
        continue;
      }
      rapidjson::Value& result =
          outcomes[i].partial["Versions"].FindMember(rapidjson::StringRef(version.name))->value;
      if (std::string why = exact.add(result); !why.empty()) {
        host.warn("version " + version.name + ": shard " + std::to_string(i) +
                  "'s exact percentiles cannot be merged (" + why +
                  "); ExactPercentiles is left empty");
      }
      shardQps.PushBack(numberOf(result, "ActualQPS"), a);
      if (merged[v].IsNull()) {
        merged[v].CopyFrom(result, a);
        continue;
      }
      try {
        mergeShardResult(merged[v], result, a);
      } catch (const std::exception& e) {
        throw sdk::TaskFailed("version " + version.name + ": shard " + std::to_string(i) +
                              "'s result cannot be merged: " + e.what());
      }
    }
    rapidjson::Value& result = merged[v];
    exact.finish(result, a);
    result["Unsent"].SetUint64(result["Unsent"].GetUint64() + unsent);
    rapidjson::Value missingList(rapidjson::kArrayType);
    for (size_t i : missing) missingList.PushBack(static_cast<uint64_t>(i), a);
    // Ours, in aggregatedBuiltinHists.data (the one place of the status a cluster keeps them):
    // how many shards this run had, which did not report, and each one's achieved rate.
    result.RemoveMember("Shards");
    result.AddMember("Shards", shards_, a);
    result.AddMember("ShardsMissing", missingList, a);
    result.AddMember("ShardQPS", shardQps, a);
    host.info(version.name + ": " +
              std::to_string(static_cast<int64_t>(numberOf(result["DurationHistogram"], "Count"))) +
              " requests from " + std::to_string(outcomes.size() - missing.size()) + of +
              " shards, " + qpsText(numberOf(result, "ActualQPS")) + " qps" +
              (unsent > 0 ? ", " + std::to_string(unsent) + " unsent (missing shards)" : ""));
  }
  if (loadOnly_) {
    host.info("loadOnly is set: results are not recorded");
  } else {
    recordResults(host, patch, merged);
  }
  if (interrupted) {
    throw sdk::Error(ITER8_ERR_CANCELLED,
                     "load stopped early: the handler is stopping; the shards' partial results "
                     "are merged");
  }
  if (!missing.empty()) {
    std::string message = std::to_string(missing.size()) + of + " shards did not report (" +
                          reasons +
                          "); the others are merged and the missing share counted as Unsent";
    if (failOnMissingShard_) throw sdk::TaskFailed(message);
    host.warn(message);
  }
}

}  // namespace iter8::metrics
