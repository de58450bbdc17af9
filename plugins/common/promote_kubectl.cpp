#include "plugins/common/promote_kubectl.h"

#include "lib/json.h"
#include "plugins/common/kubectl.h"
#include "plugins/common/process.h"
#include "plugins/support/version_tags.h"

namespace iter8::common {

PromoteKubectlTask::PromoteKubectlTask(const sdk::TaskSpec& spec)
    : manifest_(spec.requireString("manifest")),
      namespace_(spec.optionalString("namespace")),
      recursive_(spec.optionalBool("recursive")) {}

void PromoteKubectlTask::run(sdk::Host& host) {
  const std::string kubectl = findKubectl("common/promote-kubectl");
  rapidjson::Document experiment = host.experiment();
  // The original templated its whole shell line with common/bash's data.
  rapidjson::Document data(rapidjson::kObjectType);
  data.AddMember("this", rapidjson::Value(experiment, data.GetAllocator()), data.GetAllocator());
  support::addRecommendedVersionTags(experiment, data, host, "an empty string");
  auto render = [&](const std::string& text, const char* field) {
    try {
      return host.interpolate(text, data, support::goHandlerTemplateOptions());
    } catch (const sdk::Error& e) {
      throw sdk::InputError(std::string("input 'with.") + field + "': " + e.what());
    }
  };
  const std::string manifest = render(manifest_, "manifest");
  if (manifest.empty()) {
    throw sdk::TaskFailed(
        "input 'with.manifest' rendered as an empty string; expected a file, "
        "folder or URL for kubectl apply --filename");
  }
  std::string ns = namespace_.empty() ? std::string() : render(namespace_, "namespace");
  if (ns.empty()) {
    const rapidjson::Value* metadata = findMember(experiment, "metadata");
    const rapidjson::Value* own = metadata ? findMember(*metadata, "namespace") : nullptr;
    if (own != nullptr && own->IsString()) ns = own->GetString();
  }

  std::vector<std::string> args{"apply"};
  // No namespace anywhere (a local file without metadata.namespace): kubectl's own default.
  if (!ns.empty()) args.insert(args.end(), {"--namespace", ns});
  if (recursive_) args.push_back("--recursive");
  args.insert(args.end(), {"--filename", manifest});
  host.info("running " + commandLine(args));
  std::vector<std::string> argv{kubectl};
  argv.insert(argv.end(), args.begin(), args.end());
  runProcess(argv, "kubectl apply", host);
}

}  // namespace iter8::common
