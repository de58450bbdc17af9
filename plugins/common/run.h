// common/run: what a `run:` item of an experiment becomes. A bash script templated with
// delimiters @< >@ against the experiment's name and namespace, with `.Secret "key"` reading a
// key of the secret named by `with.secret`.
#pragma once

#include <string>

#include "iter8/task.hpp"

namespace iter8::common {

class RunTask : public sdk::Task {
 public:
  static constexpr const char* kName = "run";
  static constexpr const char* kDescription =
      "Run a bash script templated with @< .Name >@, @< .Namespace >@ and @< .Secret \"key\" >@ "
      "(the target of `run:` items)";
  static constexpr const char* kInputSchema = R"({
    "type": "object",
    "properties": {
      "script": {"type": "string", "x-iter8-template": "@< >@",
                 "description": "bash script; a Go text/template with @< >@"},
      "secret": {"type": "string", "minLength": 1,
                 "description": "secret read by .Secret: 'name' or 'namespace/name'"}
    },
    "required": ["script"]
  })";

  explicit RunTask(const sdk::TaskSpec& spec);
  void run(sdk::Host& host) override;

 private:
  std::string script_;
  std::string secret_;     // empty: none given
  std::string inputName_;  // how messages name the script: 'run' for `run:` items
};

}  // namespace iter8::common
