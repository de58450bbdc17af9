// common/exec: run a command with arguments, templated with the recommended version's variables.
#pragma once

#include <string>
#include <vector>

#include "iter8/task.hpp"

namespace iter8::common {

class ExecTask : public sdk::Task {
 public:
  static constexpr const char* kName = "exec";
  static constexpr const char* kDescription =
      "Run a command (no shell) with args interpolated from the version recommended for promotion";
  static constexpr const char* kInputSchema = R"({
    "type": "object",
    "properties": {
      "cmd": {"type": "string", "minLength": 1, "description": "command, looked up in PATH"},
      "args": {"type": "array", "items": {"type": ["string", "number"], "x-iter8-template": "{{ }}"}, "default": [],
               "description": "arguments; each a Go text/template, e.g. {{ .name }}"},
      "disableInterpolation": {"type": "boolean", "default": false,
                               "description": "pass args through unchanged"}
    },
    "required": ["cmd"],
    "x-iter8-template-switch": "disableInterpolation"
  })";

  explicit ExecTask(const sdk::TaskSpec& spec);
  void run(sdk::Host& host) override;

 private:
  std::string cmd_;
  std::vector<std::string> args_;
  bool disableInterpolation_;
};

}  // namespace iter8::common
