// common/readiness: wait until Kubernetes objects exist and, where asked, meet a condition,
// checking with kubectl (the Go handler's and etc3's task of the same name and inputs, with the
// semantics they documented rather than their bug: every object, every attempt).
#pragma once

#include <string>
#include <vector>

#include "iter8/task.hpp"

namespace iter8::common {

class ReadinessTask : public sdk::Task {
 public:
  static constexpr const char* kName = "readiness";
  static constexpr const char* kDescription =
      "Wait until objects (objRefs and the versions' weightObjRefs) exist and meet waitFor, "
      "checking with kubectl get / kubectl wait";
  static constexpr const char* kInputSchema = R"({
    "type": "object",
    "properties": {
      "initialDelaySeconds": {"type": "number", "minimum": 0, "maximum": 86400,
                              "description": "wait before the first check; default 5"},
      "numRetries": {"type": "integer", "minimum": 0, "maximum": 100000,
                     "description": "checks after the first one; default 12"},
      "intervalSeconds": {"type": "number", "minimum": 0, "maximum": 86400,
                          "description": "wait between checks; default 5"},
      "objRefs": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "kind": {"type": "string", "minLength": 1,
                     "description": "kubectl TYPE[.VERSION][.GROUP], e.g. deployment"},
            "name": {"type": "string", "minLength": 1},
            "namespace": {"type": "string", "description": "default: the experiment's"},
            "waitFor": {"type": "string", "minLength": 1,
                        "description": "kubectl wait --for value, e.g. condition=available"}
          },
          "required": ["kind", "name"]
        }
      }
    }
  })";

  ReadinessTask(const sdk::TaskSpec& spec, sdk::Host& host);
  void run(sdk::Host& host) override;

  // One object to check; `ns` empty means the experiment's namespace.
  struct Object {
    std::string kind;
    std::string name;
    std::string ns;
    std::string waitFor;  // empty: existence only
  };

 private:
  double initialDelaySeconds_ = 5;
  long long numRetries_ = 12;
  double intervalSeconds_ = 5;
  std::vector<Object> objects_;
};

}  // namespace iter8::common
