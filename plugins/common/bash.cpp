#include "plugins/common/bash.h"

#include "plugins/common/process.h"
#include "plugins/support/version_tags.h"

namespace iter8::common {

BashTask::BashTask(const sdk::TaskSpec& spec) : script_(spec.requireString("script")) {}

void BashTask::run(sdk::Host& host) {
  rapidjson::Document experiment = host.experiment();
  rapidjson::Document data(rapidjson::kObjectType);
  data.AddMember("this", rapidjson::Value(experiment, data.GetAllocator()), data.GetAllocator());
  const std::vector<std::string> templates{script_};
  support::addRecommendedVersionTags(experiment, data, host, "an empty string", &templates);
  std::string script;
  try {
    script = host.interpolate(script_, data, support::goHandlerTemplateOptions());
  } catch (const sdk::Error& e) {
    throw sdk::InputError(std::string("input 'with.script': ") + e.what());
  }
  host.debug("running bash script of " + std::to_string(script.size()) + " bytes");
  runProcess({"/bin/bash", "-c", script}, "bash script", host);
}

}  // namespace iter8::common
