// The experiment as a Kubernetes resource (iter8.tools/v2alpha2 Experiment), read and updated
// through the API server; the handler's source when it runs as a Job in the cluster.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "host/source/experiment_source.h"
#include "host/source/kube/client.h"

namespace iter8 {

// The resolved options (defaults applied): what makeKubeSource needs.
struct KubeOptions {
  std::string kubeconfig;           // --kubeconfig; empty: KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;              // empty: the kubeconfig's current-context
  std::string experimentNamespace;  // empty: the context's or the pod's namespace
  std::string experimentName;       // required
  // Total time one API call (a read, or each read/write of a status update) may take,
  // retries included.
  std::chrono::milliseconds retryDeadline{std::chrono::seconds(60)};
  bool retryDeadlineGiven = false;  // --api-deadline: retries a refused connection outside a pod
};

class KubeExperimentSource : public ExperimentSource {
 public:
  KubeExperimentSource(std::shared_ptr<kube::KubeClient> client, std::string ns, std::string name);

  std::string describe() const override;
  std::string experimentNamespace() const override { return ns_; }
  rapidjson::Document read() override;
  void updateStatus(const rapidjson::Value& statusPatch) override;
  SecretData getSecret(const std::string& ns, const std::string& name) override;

 private:
  std::shared_ptr<kube::KubeClient> client_;
  std::string ns_;
  std::string name_;
};

// Loads the cluster configuration (see host/source/kube/config.h) and builds the source. Throws
// SourceError when no configuration is found or the options are incomplete. Makes no request.
std::unique_ptr<ExperimentSource> makeKubeSource(const KubeOptions& options);

// What names the experiment in the cluster and how to reach the API, as the command line gave
// it (empty: the default).
struct KubeSourceOptions {
  std::string name;         // default $EXPERIMENT_NAME
  std::string ns;           // default $EXPERIMENT_NAMESPACE
  std::string kubeconfig;   // default: controller-runtime's search order
  std::string context;      // default: the kubeconfig's current-context
  std::string apiDeadline;  // Go duration: total time per API call, retries included
};

// Opens the experiment `options` names: the defaults filled in from the environment, the
// deadline checked, then makeKubeSource. Throws SourceError when it cannot.
std::unique_ptr<ExperimentSource> openKubeSource(const KubeSourceOptions& options);

}  // namespace iter8
