#include "host/source/kube/config.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "host/log.h"
#include "lib/base64.h"
#include "lib/json.h"
#include "lib/suggest.h"
#include "lib/yaml.h"

namespace iter8::kube {
namespace {

std::string envOr(const char* name, const std::string& fallback = "") {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

bool fileExists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string readFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read " + what + " " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trimRight(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string folderOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string resolveAgainst(const std::string& folder, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return folder + "/" + path;
}

// Identity of a file's current content, so a rotated token is noticed without re-reading the
// file on every request. stat() follows the "..data" symlinks of projected volumes.
struct FileStamp {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = -1;
  timespec modified{};
  bool operator==(const FileStamp& other) const {
    return device == other.device && inode == other.inode && size == other.size &&
           modified.tv_sec == other.modified.tv_sec && modified.tv_nsec == other.modified.tv_nsec;
  }
};

bool stampOf(const std::string& path, FileStamp& stamp) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;
  stamp = FileStamp{info.st_dev, info.st_ino, info.st_size, info.st_mtim};
  return true;
}

class NoAuthenticator : public Authenticator {
 public:
  void authenticate(http::Request&) override {}
  std::string describe() const override { return "no credentials"; }
};

// A client certificate alone authenticates; nothing to add per request.
class ClientCertAuthenticator : public NoAuthenticator {
 public:
  std::string describe() const override { return "client certificate"; }
};

class StaticTokenAuthenticator : public Authenticator {
 public:
  explicit StaticTokenAuthenticator(std::string token) : token_(std::move(token)) {
    registerSecret(token_);
  }
  void authenticate(http::Request& request) override {
    request.headers.emplace_back("Authorization", "Bearer " + token_);
  }
  std::string describe() const override { return "bearer token from the kubeconfig"; }

 private:
  std::string token_;
};

// A bearer token kept in a file that may be replaced at any time (projected service-account
// tokens rotate hourly); the file is re-read whenever its stamp changes.
class TokenFileAuthenticator : public Authenticator {
 public:
  explicit TokenFileAuthenticator(std::string path) : path_(std::move(path)) { current(); }

  void authenticate(http::Request& request) override {
    request.headers.emplace_back("Authorization", "Bearer " + current());
  }
  bool invalidate() override {
    std::lock_guard<std::mutex> lock(mutex_);
    stamp_ = FileStamp{};
    return true;
  }
  std::string describe() const override { return "bearer token from file " + path_; }

 private:
  std::string current() {
    std::lock_guard<std::mutex> lock(mutex_);
    FileStamp now;
    if (stampOf(path_, now) && now == stamp_ && !token_.empty()) return token_;
    try {
      std::string token = trimRight(readFile(path_, "token file"));
      if (token.empty()) throw ConfigError("token file " + path_ + " is empty");
      registerSecret(token);
      if (!token_.empty() && token != token_) logger().debug("token file {} changed", path_);
      token_ = std::move(token);
      stamp_ = now;
    } catch (const ConfigError& e) {
      // Mid-rotation the file can briefly be missing; the previous token is still valid then.
      if (token_.empty()) throw;
      logger().warn("{}; using the previous token", e.what());
    }
    return token_;
  }

  std::string path_;
  std::mutex mutex_;
  std::string token_;
  FileStamp stamp_;
};

// ---- kubeconfig reading -------------------------------------------------------------------

class KubeconfigReader {
 public:
  explicit KubeconfigReader(std::string path) : path_(std::move(path)), folder_(folderOf(path_)) {
    try {
      doc_ = parseYaml(readFile(path_, "kubeconfig"));
    } catch (const YamlError& e) {
      throw ConfigError("kubeconfig " + path_ + ": " + e.what());
    }
    if (!doc_.IsObject()) throw ConfigError("kubeconfig " + path_ + " is not a YAML mapping");
  }

  const std::string& path() const { return path_; }
  const std::string& folder() const { return folder_; }
  const rapidjson::Value& root() const { return doc_; }

  // Entry `name` of list `list` ("clusters", "contexts", "users"): its member `field`.
  const rapidjson::Value& named(const char* list, const std::string& name, const char* field) {
    const rapidjson::Value* entries = findMember(doc_, list);
    std::vector<std::string> names;
    if (entries && entries->IsArray()) {
      for (const auto& entry : entries->GetArray()) {
        const rapidjson::Value* entryName = findMember(entry, "name");
        if (entryName && entryName->IsString()) names.emplace_back(entryName->GetString());
        if (entryName && entryName->IsString() && name == entryName->GetString()) {
          const rapidjson::Value* value = findMember(entry, field);
          if (value && value->IsObject()) return *value;
          throw fail(std::string(list) + " entry \"" + name + "\" has no " + field + " mapping");
        }
      }
    }
    // Name what exists: `--context nope` is usually a typo of one of them.
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw fail(std::string("no ") + list + " entry named \"" + name + "\"" +
               didYouMean(name, names) + "; it has " + (known.empty() ? "none" : known));
  }

  std::string string(const rapidjson::Value& object, const char* key, const char* where) {
    const rapidjson::Value* value = findMember(object, key);
    if (!value || value->IsNull()) return "";
    if (value->IsString()) return value->GetString();
    throw fail(std::string(where) + "." + key + " must be a string, not " + jsonTypeName(*value));
  }

  bool boolean(const rapidjson::Value& object, const char* key, const char* where) {
    const rapidjson::Value* value = findMember(object, key);
    if (!value || value->IsNull()) return false;
    if (value->IsBool()) return value->GetBool();
    throw fail(std::string(where) + "." + key + " must be a boolean");
  }

  // Base64 field `key` decoded; never quotes the content (it may be a private key).
  std::string base64(const rapidjson::Value& object, const char* key, const char* where) {
    std::string text = string(object, key, where);
    if (text.empty()) return "";
    auto decoded = decodeBase64(text);
    if (!decoded) throw fail(std::string(where) + "." + key + " is not valid base64");
    return *decoded;
  }

  std::string file(const rapidjson::Value& object, const char* key, const char* where) {
    return resolveAgainst(folder_, string(object, key, where));
  }

  ConfigError fail(const std::string& message) const {
    return ConfigError("kubeconfig " + path_ + ": " + message);
  }

 private:
  std::string path_;
  std::string folder_;
  rapidjson::Document doc_;
};

ExecConfig readExec(KubeconfigReader& reader, const rapidjson::Value& exec) {
  ExecConfig config;
  config.apiVersion = reader.string(exec, "apiVersion", "user.exec");
  if (config.apiVersion != "client.authentication.k8s.io/v1" &&
      config.apiVersion != "client.authentication.k8s.io/v1beta1") {
    throw reader.fail("user.exec.apiVersion \"" + config.apiVersion +
                      "\" is not supported (use client.authentication.k8s.io/v1 or v1beta1)");
  }
  config.command = reader.string(exec, "command", "user.exec");
  if (config.command.empty()) throw reader.fail("user.exec.command is missing");
  // As client-go: a command with a slash is a path relative to the kubeconfig; a bare name is
  // looked up in PATH.
  if (config.command.find('/') != std::string::npos) {
    config.command = resolveAgainst(reader.folder(), config.command);
  }
  if (const auto* args = findMember(exec, "args"); args && args->IsArray()) {
    for (const auto& arg : args->GetArray()) {
      if (!arg.IsString()) throw reader.fail("user.exec.args must be strings");
      config.args.emplace_back(arg.GetString());
    }
  }
  if (const auto* env = findMember(exec, "env"); env && env->IsArray()) {
    for (const auto& entry : env->GetArray()) {
      std::string name = reader.string(entry, "name", "user.exec.env[]");
      if (name.empty()) throw reader.fail("user.exec.env entry without a name");
      config.env.emplace_back(name, reader.string(entry, "value", "user.exec.env[]"));
    }
  }
  config.interactiveMode = reader.string(exec, "interactiveMode", "user.exec");
  if (config.interactiveMode == "Always") {
    throw reader.fail("user.exec.interactiveMode is Always, but the handler has no terminal");
  }
  config.provideClusterInfo = reader.boolean(exec, "provideClusterInfo", "user.exec");
  return config;
}

// The cluster's server and how to trust it, into `config`.
void readCluster(KubeconfigReader& reader, const std::string& clusterName, ClusterConfig& config) {
  const rapidjson::Value& cluster = reader.named("clusters", clusterName, "cluster");
  config.server = reader.string(cluster, "server", "cluster");
  if (config.server.empty()) throw reader.fail("cluster \"" + clusterName + "\" has no server");
  while (config.server.size() > 1 && config.server.back() == '/') config.server.pop_back();
  config.tls.caData = reader.base64(cluster, "certificate-authority-data", "cluster");
  if (config.tls.caData.empty()) {
    config.tls.caFile = reader.file(cluster, "certificate-authority", "cluster");
    if (!config.tls.caFile.empty() && !fileExists(config.tls.caFile)) {
      throw reader.fail("certificate-authority file " + config.tls.caFile + " does not exist");
    }
  }
  config.tls.insecureSkipVerify = reader.boolean(cluster, "insecure-skip-tls-verify", "cluster");
  if (config.tls.insecureSkipVerify) {
    logger().warn("{}: insecure-skip-tls-verify is set; the API server is NOT verified",
                  config.source);
  }
  if (!reader.string(cluster, "tls-server-name", "cluster").empty() ||
      !reader.string(cluster, "proxy-url", "cluster").empty()) {
    logger().warn("{}: tls-server-name and proxy-url are not supported and ignored", config.source);
  }
}

// The user's client certificate and key (both or neither), into `config`. True when there are.
bool readClientCertificate(KubeconfigReader& reader, const rapidjson::Value& user,
                           const std::string& userName, ClusterConfig& config) {
  config.tls.clientCertData = reader.base64(user, "client-certificate-data", "user");
  if (config.tls.clientCertData.empty()) {
    config.tls.clientCertFile = reader.file(user, "client-certificate", "user");
  }
  config.tls.clientKeyData = reader.base64(user, "client-key-data", "user");
  registerSecret(config.tls.clientKeyData);
  if (config.tls.clientKeyData.empty()) {
    config.tls.clientKeyFile = reader.file(user, "client-key", "user");
  }
  bool hasCert = !config.tls.clientCertData.empty() || !config.tls.clientCertFile.empty();
  bool hasKey = !config.tls.clientKeyData.empty() || !config.tls.clientKeyFile.empty();
  if (hasCert != hasKey) {
    throw reader.fail("user \"" + userName + "\" needs both a client certificate and a key");
  }
  return hasCert;
}

// How the user authenticates, into `config.auth` (and its client certificate into config.tls):
// an exec plugin wins over a token, a token over a client certificate, as client-go does.
void readUser(KubeconfigReader& reader, const std::string& userName, ClusterConfig& config) {
  const rapidjson::Value& user = reader.named("users", userName, "user");
  if (findMember(user, "auth-provider")) {
    throw reader.fail("user \"" + userName +
                      "\" uses auth-provider, which client-go no longer supports; use exec");
  }
  if (readClientCertificate(reader, user, userName, config)) {
    config.auth = std::make_shared<ClientCertAuthenticator>();
  }
  std::string token = reader.string(user, "token", "user");
  std::string tokenFile = reader.file(user, "tokenFile", "user");
  if (!token.empty()) {
    // As client-go: an inline token wins over tokenFile.
    config.auth = std::make_shared<StaticTokenAuthenticator>(token);
  } else if (!tokenFile.empty()) {
    config.auth = std::make_shared<TokenFileAuthenticator>(tokenFile);
  }
  if (const auto* exec = findMember(user, "exec"); exec && exec->IsObject()) {
    ExecConfig execConfig = readExec(reader, *exec);
    std::string caData = config.tls.caData;
    if (execConfig.provideClusterInfo && caData.empty() && !config.tls.caFile.empty()) {
      caData = readFile(config.tls.caFile, "certificate-authority");
    }
    config.auth = makeExecAuthenticator(std::move(execConfig), config.server, caData,
                                        config.tls.insecureSkipVerify);
  }
  if (findMember(user, "username") || findMember(user, "as")) {
    logger().warn("{}: basic auth and impersonation are not supported and ignored", config.source);
  }
}

}  // namespace

ClusterConfig loadKubeconfig(const std::string& path, const std::string& context) {
  KubeconfigReader reader(path);
  std::string contextName =
      context.empty() ? reader.string(reader.root(), "current-context", "") : context;
  if (contextName.empty()) throw reader.fail("no current-context is set");
  const rapidjson::Value& ctx = reader.named("contexts", contextName, "context");
  std::string clusterName = reader.string(ctx, "cluster", "context");
  std::string userName = reader.string(ctx, "user", "context");
  if (clusterName.empty()) throw reader.fail("context \"" + contextName + "\" names no cluster");

  ClusterConfig config;
  config.source = "kubeconfig " + path + ", context " + contextName;
  config.defaultNamespace = reader.string(ctx, "namespace", "context");
  if (config.defaultNamespace.empty()) config.defaultNamespace = "default";
  readCluster(reader, clusterName, config);
  config.auth = std::make_shared<NoAuthenticator>();
  if (!userName.empty()) readUser(reader, userName, config);
  return config;
}

ClusterConfig loadInClusterConfig(const std::string& serviceAccountDir) {
  std::string host = envOr("KUBERNETES_SERVICE_HOST");
  std::string port = envOr("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    throw ConfigError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and "
        "KUBERNETES_SERVICE_PORT must be set");
  }
  ClusterConfig config;
  config.source = "in-cluster service account " + serviceAccountDir;
  // IPv6 literals need brackets in URLs (as Go's net.JoinHostPort adds them).
  bool ipv6 = host.find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;
  config.auth = std::make_shared<TokenFileAuthenticator>(serviceAccountDir + "/token");
  std::string caFile = serviceAccountDir + "/ca.crt";
  if (fileExists(caFile)) {
    config.tls.caFile = caFile;
  } else {
    // client-go carries on with the system trust store too; verification stays on.
    logger().warn("{} is missing; verifying the API server with the system CAs", caFile);
  }
  // As client-go's in-cluster namespace: POD_NAMESPACE, then the namespace file, then default.
  config.defaultNamespace = envOr("POD_NAMESPACE");
  if (config.defaultNamespace.empty() && fileExists(serviceAccountDir + "/namespace")) {
    config.defaultNamespace = trimRight(readFile(serviceAccountDir + "/namespace", "namespace"));
  }
  if (config.defaultNamespace.empty()) config.defaultNamespace = "default";
  return config;
}

ClusterConfig loadConfig(const ConfigOptions& options) {
  if (!options.kubeconfigPath.empty())
    return loadKubeconfig(options.kubeconfigPath, options.context);

  std::vector<std::string> tried;
  std::string list = envOr("KUBECONFIG");
  if (!list.empty()) {
    std::stringstream paths(list);
    for (std::string path; std::getline(paths, path, ':');) {
      if (path.empty()) continue;
      if (fileExists(path)) return loadKubeconfig(path, options.context);
      tried.push_back(path);
    }
    throw ConfigError("none of the files in KUBECONFIG exists: " + list);
  }

  std::string saDir = options.serviceAccountDir.empty()
                          ? envOr("ITER8_SERVICEACCOUNT_DIR", kDefaultServiceAccountDir)
                          : options.serviceAccountDir;
  if (!envOr("KUBERNETES_SERVICE_HOST").empty()) {
    try {
      return loadInClusterConfig(saDir);
    } catch (const ConfigError& e) {
      tried.push_back(std::string("in-cluster (") + e.what() + ")");
    }
  } else {
    tried.push_back("in-cluster (KUBERNETES_SERVICE_HOST unset)");
  }

  std::string home = envOr("HOME");
  if (!home.empty()) {
    std::string path = home + "/.kube/config";
    if (fileExists(path)) return loadKubeconfig(path, options.context);
    tried.push_back(path);
  }
  std::string message =
      "no Kubernetes configuration found; tried --kubeconfig (unset), "
      "KUBECONFIG (unset)";
  for (const auto& item : tried) message += ", " + item;
  throw ConfigError(message);
}

}  // namespace iter8::kube
