// common/promote-kubectl: `kubectl apply` a manifest, typically the winner's (the Go handler's
// task of the same name and inputs), run with argv instead of the original's unquoted shell line.
#pragma once

#include <string>

#include "iter8/task.hpp"

namespace iter8::common {

class PromoteKubectlTask : public sdk::Task {
 public:
  static constexpr const char* kName = "promote-kubectl";
  static constexpr const char* kDescription =
      "kubectl apply --namespace NS [--recursive] --filename MANIFEST; manifest and namespace "
      "are templates like common/bash's ({{ .promote }})";
  static constexpr const char* kInputSchema = R"({
    "type": "object",
    "properties": {
      "manifest": {"type": "string", "minLength": 1,
                   "description": "file, folder or URL for --filename; a Go template"},
      "namespace": {"type": "string",
                    "description": "--namespace; a Go template; default: the experiment's"},
      "recursive": {"type": "boolean", "description": "add --recursive, for folders"}
    },
    "required": ["manifest"]
  })";

  explicit PromoteKubectlTask(const sdk::TaskSpec& spec);
  void run(sdk::Host& host) override;

 private:
  std::string manifest_;
  std::string namespace_;  // empty: the experiment's
  bool recursive_;
};

}  // namespace iter8::common
