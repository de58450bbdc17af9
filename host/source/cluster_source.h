// The experiment in a Kubernetes cluster (the handler running as a Job).
#pragma once

#include <memory>
#include <string>

#include "host/source/experiment_source.h"

namespace iter8 {

// What names the experiment in the cluster and how to reach the API, as the command line gave
// it (empty: the default).
struct ClusterSourceOptions {
  std::string name;         // default $EXPERIMENT_NAME
  std::string ns;           // default $EXPERIMENT_NAMESPACE
  std::string kubeconfig;   // default: controller-runtime's search order
  std::string context;      // default: the kubeconfig's current-context
  std::string apiDeadline;  // Go duration: total time per API call, retries included
};

// Opens the experiment `options` name. Throws SourceError when it cannot.
std::unique_ptr<ExperimentSource> openClusterSource(const ClusterSourceOptions& options);

}  // namespace iter8
