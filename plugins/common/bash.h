// common/bash: run a bash script templated with the experiment ({{ .this.<path> }}) and the
// recommended version's variables.
#pragma once

#include <string>

#include "iter8/task.hpp"

namespace iter8::common {

class BashTask : public sdk::Task {
 public:
  static constexpr const char* kName = "bash";
  static constexpr const char* kDescription =
      "Run a bash script templated with the experiment ({{ .this.metadata.name }}) and the "
      "recommended version's variables";
  static constexpr const char* kInputSchema = R"({
    "type": "object",
    "properties": {
      "script": {"type": "string", "x-iter8-template": "{{ }}",
                 "description": "bash script; a Go text/template"}
    },
    "required": ["script"]
  })";

  explicit BashTask(const sdk::TaskSpec& spec);
  void run(sdk::Host& host) override;

 private:
  std::string script_;
};

}  // namespace iter8::common
