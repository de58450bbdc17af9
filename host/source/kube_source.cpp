#include "host/source/kube_source.h"

#include <cstdlib>

#include "host/log.h"
#include "lib/duration.h"

namespace iter8 {
namespace {

// API errors become SourceErrors; 404 keeps its meaning so callers can tell "absent" apart.
template <typename Call>
auto translate(Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const kube::KubeError& e) {
    throw SourceError(e.status() == 404 ? SourceError::Kind::kNotFound : SourceError::Kind::kFailed,
                      e.what());
  } catch (const kube::ConfigError& e) {
    throw SourceError(e.what());
  }
}

}  // namespace

KubeExperimentSource::KubeExperimentSource(std::shared_ptr<kube::KubeClient> client, std::string ns,
                                           std::string name)
    : client_(std::move(client)), ns_(std::move(ns)), name_(std::move(name)) {}

std::string KubeExperimentSource::describe() const {
  return "experiment " + ns_ + "/" + name_;
}

rapidjson::Document KubeExperimentSource::read() {
  return translate([&] { return client_->getExperiment(ns_, name_); });
}

void KubeExperimentSource::updateStatus(const rapidjson::Value& statusPatch) {
  translate([&] { client_->updateExperimentStatus(ns_, name_, statusPatch); });
}

SecretData KubeExperimentSource::getSecret(const std::string& ns, const std::string& name) {
  return translate([&] { return client_->getSecret(ns, name); });
}

std::unique_ptr<ExperimentSource> makeKubeSource(const KubeOptions& options) {
  if (options.experimentName.empty()) {
    throw SourceError("no experiment name given (set EXPERIMENT_NAME)");
  }
  kube::ClusterConfig config = translate([&] {
    return kube::loadConfig(kube::ConfigOptions{options.kubeconfig, options.context, ""});
  });
  std::string ns =
      options.experimentNamespace.empty() ? config.defaultNamespace : options.experimentNamespace;
  logger().debug("Kubernetes API {} from {} ({})", config.server, config.source,
                 config.auth->describe());
  kube::RetryPolicy policy;
  policy.deadline = options.retryDeadline;
  // In a pod the API server may blip (an upgrade, a failover): keep retrying. Outside one, a
  // refused connection fails at once, unless --api-deadline asked for retries.
  policy.failFastOnConnect =
      !options.retryDeadlineGiven && config.source.rfind("in-cluster", 0) != 0;
  auto client = std::make_shared<kube::KubeClient>(std::move(config), policy);
  return std::make_unique<KubeExperimentSource>(std::move(client), ns, options.experimentName);
}

namespace {

std::string orEnv(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* env = std::getenv(variable);
  return env != nullptr ? env : "";
}

}  // namespace

std::unique_ptr<ExperimentSource> openKubeSource(const KubeSourceOptions& run) {
  KubeOptions options;
  options.kubeconfig = run.kubeconfig;
  options.context = run.context;
  options.experimentName = orEnv(run.name, "EXPERIMENT_NAME");
  options.experimentNamespace = orEnv(run.ns, "EXPERIMENT_NAMESPACE");
  if (options.experimentName.empty()) {
    throw SourceError(
        "no experiment to read: give -f FILE, or --name (or EXPERIMENT_NAME) for an experiment "
        "in the cluster");
  }
  if (!run.apiDeadline.empty()) {
    auto deadline = parseGoDuration(run.apiDeadline);
    if (!deadline || deadline->count() <= 0) {
      throw SourceError("--api-deadline '" + run.apiDeadline +
                        "' is not a positive Go duration such as 30s or 2m");
    }
    options.retryDeadline = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline);
    options.retryDeadlineGiven = true;
  }
  return makeKubeSource(options);
}

}  // namespace iter8
