#include "plugins/common/run.h"

#include "iter8/experiment.hpp"
#include "lib/json.h"
#include "plugins/common/process.h"

namespace iter8::common {
namespace {

constexpr const char* kLeftDelim = "@<";
constexpr const char* kRightDelim = ">@";

}  // namespace

RunTask::RunTask(const sdk::TaskSpec& spec)
    : script_(spec.requireString("script")), secret_(spec.optionalString("secret")) {
  const rapidjson::Value* run = findMember(spec.document(), "run");
  inputName_ = run != nullptr && run->IsString() ? "run" : "with.script";
}

void RunTask::run(sdk::Host& host) {
  rapidjson::Document experiment = host.experiment();
  // etc3 rendered the template on its Go Experiment: fields by Go name (.Spec.Target, .Name
  // promoted from the embedded ObjectMeta), methods .WinnerFound and .CandidateWon.
  rapidjson::Document data = sdk::goExperimentView(experiment);
  auto& allocator = data.GetAllocator();
  data.RemoveMember("WinnerFound");
  data.RemoveMember("CandidateWon");
  data.AddMember("WinnerFound", sdk::winnerFound(experiment), allocator);
  data.AddMember("CandidateWon", sdk::candidateWon(experiment), allocator);
  if (!secret_.empty()) {
    rapidjson::Document secret;
    try {
      secret = host.secret(secret_);  // the host masks its values in every log line
    } catch (const sdk::Error& e) {
      throw sdk::Error(e.status(), "input 'with.secret': " + std::string(e.what()));
    }
    data.RemoveMember("Secret");
    data.AddMember("Secret", rapidjson::Value(secret, allocator), allocator);
  }
  // "Secret" is called with a key (`.Secret "token"`), never printed whole.
  sdk::InterpolateOptions options;
  options.leftDelim = kLeftDelim;
  options.rightDelim = kRightDelim;
  options.callables = {"Secret"};
  // Go's text/template on a struct: an unknown field is an error naming it.
  options.fieldNames = ITER8_FIELD_NAMES_GO;
  options.missingKey = ITER8_MISSING_KEY_ERROR;

  std::string script;
  try {
    script = host.interpolate(script_, data, options);
  } catch (const sdk::Error& e) {
    std::string message = "input '" + inputName_ + "': " + e.what();
    if (secret_.empty() && message.find("<.Secret>: Secret is not available") != std::string::npos)
      message += "; set with.secret to the secret's 'name' or 'namespace/name'";
    throw sdk::InputError(message);
  }
  host.debug("running bash script of " + std::to_string(script.size()) + " bytes");
  runProcess({"/bin/bash", "-c", script}, "bash script", host);
}

}  // namespace iter8::common
