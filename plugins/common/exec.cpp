#include "plugins/common/exec.h"

#include <cmath>
#include <cstdio>

#include "plugins/common/process.h"
#include "plugins/support/version_tags.h"

namespace iter8::common {
namespace {

// Numbers print as integers when integral (8080, not Go's 8080 or 1e+06 for 1000000: we
// keep what an operator wrote), otherwise in the shortest form that reads back exactly.
std::string numberText(const rapidjson::Value& value) {
  if (value.IsInt64()) return std::to_string(value.GetInt64());
  if (value.IsUint64()) return std::to_string(value.GetUint64());
  double d = value.GetDouble();
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, d);
    if (std::strtod(buffer, nullptr) == d) break;
  }
  return buffer;
}

}  // namespace

ExecTask::ExecTask(const sdk::TaskSpec& spec)
    : cmd_(spec.requireString("cmd")),
      disableInterpolation_(spec.optionalBool("disableInterpolation")) {
  if (const rapidjson::Value* args = spec.find("args")) {
    for (const auto& arg : args->GetArray()) {
      args_.push_back(arg.IsString() ? std::string(arg.GetString()) : numberText(arg));
    }
  }
}

void ExecTask::run(sdk::Host& host) {
  std::vector<std::string> argv{cmd_};
  if (disableInterpolation_) {
    argv.insert(argv.end(), args_.begin(), args_.end());
  } else {
    rapidjson::Document data(rapidjson::kObjectType);
    support::addRecommendedVersionTags(host.experiment(), data, host, "an empty string", &args_);
    for (size_t i = 0; i < args_.size(); ++i) {
      try {
        argv.push_back(host.interpolate(args_[i], data, support::goHandlerTemplateOptions()));
      } catch (const sdk::Error& e) {
        throw sdk::InputError("input 'with.args[" + std::to_string(i) + "]': " + e.what());
      }
    }
  }
  host.info("running " + cmd_ + " with " + std::to_string(argv.size() - 1) + " argument(s)");
  runProcess(argv, "command '" + cmd_ + "'", host);
}

}  // namespace iter8::common
