#include "plugins/common/run.h"

#include "lib/json.h"
#include "plugins/common/process.h"

namespace iter8::common {
namespace {

constexpr const char* kLeftDelim = "@<";
constexpr const char* kRightDelim = ">@";

// metadata.<field> of the experiment, or "" as Go prints an unset ObjectMeta field.
rapidjson::Value metadataString(const rapidjson::Value& experiment, const char* field,
                                rapidjson::Document::AllocatorType& allocator) {
  const rapidjson::Value* metadata = findMember(experiment, "metadata");
  const rapidjson::Value* value = metadata ? findMember(*metadata, field) : nullptr;
  if (value == nullptr || !value->IsString()) return rapidjson::Value("", allocator);
  return rapidjson::Value(*value, allocator);
}

}  // namespace

RunTask::RunTask(const sdk::TaskSpec& spec)
    : script_(spec.requireString("script")), secret_(spec.optionalString("secret")) {
  const rapidjson::Value* run = findMember(spec.document(), "run");
  inputName_ = run != nullptr && run->IsString() ? "run" : "with.script";
}

void RunTask::run(sdk::Host& host) {
  rapidjson::Document experiment = host.experiment();
  rapidjson::Document data(rapidjson::kObjectType);
  auto& allocator = data.GetAllocator();
  data.AddMember("Name", metadataString(experiment, "name", allocator), allocator);
  data.AddMember("Namespace", metadataString(experiment, "namespace", allocator), allocator);
  data.AddMember("Experiment", rapidjson::Value(experiment, allocator), allocator);
  if (!secret_.empty()) {
    rapidjson::Document secret;
    try {
      secret = host.secret(secret_);  // the host masks its values in every log line
    } catch (const sdk::Error& e) {
      throw sdk::Error(e.status(), "input 'with.secret': " + std::string(e.what()));
    }
    data.AddMember("Secret", rapidjson::Value(secret, allocator), allocator);
  }
  // "Secret" is called with a key (`.Secret "token"`), never printed whole.
  sdk::InterpolateOptions options;
  options.leftDelim = kLeftDelim;
  options.rightDelim = kRightDelim;
  options.callables = {"Secret"};

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
