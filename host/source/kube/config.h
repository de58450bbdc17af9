// Where the Kubernetes API server is and how to authenticate, found the way client-go (with
// controller-runtime's GetConfig order) finds it:
//
//   1. an explicit kubeconfig path (the handler's --kubeconfig flag);
//   2. the KUBECONFIG environment variable: a colon-separated list of which the FIRST EXISTING
//      file is used (client-go merges all of them; we do not merge);
//   3. in-cluster: when KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are set, the pod's
//      service account (token, ca.crt, namespace) in /var/run/secrets/kubernetes.io/serviceaccount
//      or the folder named by ITER8_SERVICEACCOUNT_DIR (for tests);
//   4. ~/.kube/config ($HOME/.kube/config).
//
// From a kubeconfig: the current context (or the one asked for) selects a cluster and a user.
// Supported: server, certificate-authority / -data, insecure-skip-tls-verify (only when the file
// says so), token, tokenFile, client-certificate / -data, client-key / -data, and exec
// credential plugins (client.authentication.k8s.io/v1 and v1beta1). Relative file paths resolve
// against the kubeconfig's folder. Not supported (ConfigError or ignored, see loadKubeconfig):
// auth-provider, username/password, tls-server-name, proxy-url, impersonation.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lib/http.h"

namespace iter8::kube {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Supplies the credentials of each request; implementations cache and refresh them.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Adds credentials to `request`: an Authorization header and/or a client certificate.
  virtual void authenticate(http::Request& request) = 0;
  // Called after a 401: forget cached credentials so authenticate() fetches fresh ones.
  // Returns false when nothing can change, i.e. retrying would fail the same way.
  virtual bool invalidate() { return false; }
  // For messages: "bearer token from file ...", "exec plugin aws", never the credential itself.
  virtual std::string describe() const = 0;
};

struct ClusterConfig {
  std::string server;                   // "https://host:port[/prefix]", no trailing slash
  http::TlsOptions tls;                 // server verification and any static client certificate
  std::string defaultNamespace;         // the context's namespace, or the pod's in-cluster
  std::string source;                   // for messages: which file/context or "in-cluster"
  std::shared_ptr<Authenticator> auth;  // never null
};

struct ConfigOptions {
  std::string kubeconfigPath;     // explicit path (--kubeconfig); empty: search as above
  std::string context;            // empty: the kubeconfig's current-context
  std::string serviceAccountDir;  // empty: $ITER8_SERVICEACCOUNT_DIR, else the standard folder
};

inline constexpr char kDefaultServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// Finds and loads the configuration in the order above. Throws ConfigError naming the file and
// field, or listing what was tried when nothing was found.
ClusterConfig loadConfig(const ConfigOptions& options);

// In-cluster configuration from `serviceAccountDir` and KUBERNETES_SERVICE_HOST/_PORT. The token
// file is re-read whenever it changes, since projected service-account tokens rotate.
ClusterConfig loadInClusterConfig(const std::string& serviceAccountDir);

// Configuration from one kubeconfig file; `context` empty means current-context.
ClusterConfig loadKubeconfig(const std::string& path, const std::string& context = "");

// An exec credential plugin as configured in a kubeconfig user.
struct ExecConfig {
  std::string apiVersion;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;     // resolved: absolute, or a bare name looked up in PATH
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to our environment
  std::string interactiveMode;  // Never, IfAvailable, Always (we are never interactive)
  bool provideClusterInfo = false;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

// Runs the plugin and caches its ExecCredential until status.expirationTimestamp (forever
// when absent, until invalidate()). Uses status.token, or status.clientCertificateData and
// clientKeyData.
std::shared_ptr<Authenticator> makeExecAuthenticator(ExecConfig exec, std::string server,
                                                     std::string caData, bool insecure);

}  // namespace iter8::kube
