// metrics/collect: send HTTP load to each version in parallel and record Fortio-format
// latency histograms and return codes in status.analysis.aggregatedBuiltinHists.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "iter8/task.hpp"
#include "plugins/metrics/load_generator.h"

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
      "versions": {"type": "array", "minItems": 1, "items": {
        "type": "object",
        "properties": {
          "name": {"type": "string", "minLength": 1},
          "url": {"type": "string", "minLength": 1},
          "qps": {"type": "number", "minimum": 0},
          "headers": {"type": "object", "additionalProperties": {"type": "string"}}
        },
        "required": ["name", "url"]}},
      "time": {"type": "string", "description": "Go duration, e.g. 5s or 1m30s (default 5s)"},
      "numQueries": {"type": "integer", "minimum": 1},
      "qps": {"type": "number", "minimum": 0, "description": "per version; 0 = max rate"},
      "connections": {"type": "integer", "minimum": 1, "maximum": 10000},
      "payloadStr": {"type": "string"},
      "payloadURL": {"type": "string"},
      "contentType": {"type": "string"},
      "timeout": {"type": "string", "description": "Go duration per request (default 3s)"},
      "loadOnly": {"type": "boolean"}
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

  std::string fetchPayload(sdk::Host& host) const;

  std::vector<Version> versions_;
  std::string payloadUrl_;
  bool loadOnly_ = false;
};

}  // namespace iter8::metrics
