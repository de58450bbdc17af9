// metrics/collect: send HTTP load to each version in parallel and record Fortio-format
// latency histograms and return codes in status.analysis.aggregatedBuiltinHists.
#pragma once

#include <memory>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "iter8/task.hpp"
#include "plugins/metrics/loadgen/load_generator.h"
#include "plugins/metrics/shard_plan.h"
#include "plugins/metrics/version_recorder.h"

namespace iter8::metrics {

class CollectTask : public sdk::Task {
 public:
  static constexpr const char* kName = "collect";
  static constexpr const char* kDescription =
      "Send HTTP load to each version and record Fortio-format latency histograms in "
      "status.analysis.aggregatedBuiltinHists";
  static constexpr const char* kInputSchema = R"json({
    "type": "object",
    "properties": {
      "versions": {"type": "array", "minItems": 1,
        "description": "the versions to load, in parallel; each result goes to aggregatedBuiltinHists.data.<name>",
        "items": {
        "type": "object",
        "properties": {
          "name": {"type": "string", "minLength": 1, "description": "version name; one of spec.versionInfo, or a pseudo version (warned)"},
          "url": {"type": "string", "minLength": 1, "description": "http:// or https:// URL to send requests to"},
          "qps": {"type": "number", "minimum": 0, "description": "this version's rate; default: the task's qps"},
          "headers": {"type": "object", "additionalProperties": {"type": "string", "description": "header value, sent as given"}, "description": "request headers, name: value"}
        },
        "required": ["name", "url"]}},
      "time": {"type": "string", "default": "5s", "description": "how long to send load (Go duration, e.g. 5s or 1m30s); numQueries wins"},
      "numQueries": {"type": "integer", "minimum": 1, "description": "send exactly this many requests per version instead of a timed run"},
      "qps": {"type": "number", "minimum": 0, "default": 8, "description": "requests per second per version; 0 = as fast as possible"},
      "connections": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 4, "description": "concurrent connections per version"},
      "payloadStr": {"type": "string", "description": "request body; makes the requests POSTs"},
      "payloadURL": {"type": "string", "description": "fetch the request body from this URL once before the load (10 s limit); makes the requests POSTs"},
      "contentType": {"type": "string", "description": "Content-Type of the body (default application/octet-stream)"},
      "timeout": {"type": "string", "default": "3s", "description": "per request (Go duration); a timeout counts as an error with reason \"timeout\""},
      "loadOnly": {"type": "boolean", "default": false, "description": "send the load but record nothing in the status"},
      "engine": {"type": "string", "enum": ["auto", "fast", "curl"], "default": "auto", "description": "what sends the requests: fast (our HTTP/1.1 client, plain http:// without a proxy), curl (libcurl: https, proxies, any URL), or auto (fast where the URL allows it)"},
      "shards": {"type": "integer", "minimum": 1, "maximum": 64, "default": 1, "description": "split the load over this many shard processes, each 1/shards of every version's rate and connections, merged into one result (docs/scale.md); default $ITER8_SHARDS, else 1"},
      "onShardMissing": {"type": "string", "enum": ["fail", "warn"], "default": "fail", "description": "when a shard dies or never reports: the others are merged and its share counted as Unsent, then the task fails (fail) or warns (warn)"}
    },
    "required": ["versions"]
  })json";

  CollectTask(const sdk::TaskSpec& spec, sdk::Host& host);
  void run(sdk::Host& host) override;

 private:
  struct Version {
    std::string name;
    LoadSpec load;
  };

  // What the load of every version measured, its samples kept by the recorders.
  struct Measured {
    std::vector<std::unique_ptr<VersionRecorder>> recorders;
    std::vector<LoadResult> results;
  };

  std::string fetchPayload(sdk::Host& host) const;
  // Sends every version's load at once, one thread each, and prints the summary table.
  Measured sendLoads(sdk::Host& host) const;
  // Each version's Fortio-format result of this run, in `allocator`.
  std::vector<rapidjson::Value> resultsOf(sdk::Host& host, const Measured& measured,
                                          rapidjson::Document::AllocatorType& allocator) const;
  // Writes `results` (one per version, in `patch`'s allocator) to
  // status.analysis.aggregatedBuiltinHists, merged with what earlier loops recorded.
  void recordResults(sdk::Host& host, rapidjson::Document& patch,
                     std::vector<rapidjson::Value>& results) const;
  // Shard mode (`handler collect-shard`): this shard's part of the load, its partial result
  // written to the coordinator's folder; the status is not touched.
  void runShard(sdk::Host& host);
  // shards > 1: the shards run (local processes), their partials merged into one result.
  void runSharded(sdk::Host& host, const std::string& payload);
  void failIfDescriptorsRanOut(const Measured& measured) const;

  std::vector<Version> versions_;
  std::string payloadUrl_;
  bool loadOnly_ = false;
  int shards_ = 1;
  bool failOnMissingShard_ = true;
  std::optional<ShardRun> shardRun_;  // set: this process is one shard
  std::string taskSpecJson_;          // the resolved TaskSpec, handed to the shards
};

}  // namespace iter8::metrics
