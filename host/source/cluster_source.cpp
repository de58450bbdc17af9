#include "host/source/cluster_source.h"

#include <cstdlib>

#include "host/source/kube_source.h"
#include "lib/duration.h"

namespace iter8 {
namespace {

std::string orEnv(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* env = std::getenv(variable);
  return env != nullptr ? env : "";
}

}  // namespace

std::unique_ptr<ExperimentSource> openClusterSource(const ClusterSourceOptions& run) {
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
  }
  return makeKubeSource(options);
}

}  // namespace iter8
