// The experiment in a Kubernetes cluster (the handler running as a Job).
#pragma once

#include <memory>

#include "host/cli.h"
#include "host/experiment_source.h"

namespace iter8 {

// Opens the experiment named by --name/--namespace (default $EXPERIMENT_NAME and
// $EXPERIMENT_NAMESPACE). Throws SourceError when it cannot.
std::unique_ptr<ExperimentSource> openClusterSource(const RunOptions& run);

}  // namespace iter8
