#include "host/cluster_source.h"

#include <cstdlib>

namespace iter8 {
namespace {

std::string orEnv(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* env = std::getenv(variable);
  return env != nullptr ? env : "";
}

}  // namespace

std::unique_ptr<ExperimentSource> openClusterSource(const RunOptions& run) {
  std::string name = orEnv(run.name, "EXPERIMENT_NAME");
  std::string ns = orEnv(run.ns, "EXPERIMENT_NAMESPACE");
  if (name.empty() || ns.empty()) {
    throw SourceError(
        "no experiment to read: give -f FILE, or --name and --namespace (or EXPERIMENT_NAME and "
        "EXPERIMENT_NAMESPACE) for an experiment in the cluster");
  }
  throw SourceError("experiment " + ns + "/" + name +
                    ": reading from a cluster is not available in this build; use -f FILE");
}

}  // namespace iter8
