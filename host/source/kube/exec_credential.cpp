// Exec credential plugins (kubeconfig users[].user.exec), as client-go runs them: the command
// with its args, our environment plus exec.env plus KUBERNETES_EXEC_INFO, stdin from /dev/null
// (we are never interactive), stderr passed through, an ExecCredential JSON read from stdout.
#include <sys/wait.h>

#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>

#include "host/log.h"
#include "host/source/kube/config.h"
#include "lib/base64.h"
#include "lib/json.h"
#include "lib/process/subprocess.h"

extern char** environ;

namespace iter8::kube {
namespace {

using Clock = std::chrono::system_clock;

// RFC 3339 ("2026-11-29T03:00:00Z", fractions and offsets allowed) to a time point.
std::optional<Clock::time_point> parseRfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t seconds = timegm(&tm);
  size_t pos = static_cast<size_t>(consumed);
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int hours = 0, minutes = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    int offset = (hours * 60 + minutes) * 60;
    seconds -= text[pos] == '+' ? offset : -offset;
  } else if (pos >= text.size() || (text[pos] != 'Z' && text[pos] != 'z')) {
    return std::nullopt;
  }
  // Nanosecond clocks end in 2262; a later expiry simply means "does not expire".
  const auto latest =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::time_point::max().time_since_epoch());
  if (seconds >= latest.count()) return Clock::time_point::max();
  return Clock::from_time_t(seconds);
}

std::string execInfo(const ExecConfig& exec, const std::string& server, const std::string& caData,
                     bool insecure) {
  rapidjson::Document info(rapidjson::kObjectType);
  auto& a = info.GetAllocator();
  info.AddMember("apiVersion", rapidjson::Value(exec.apiVersion.c_str(), a), a);
  info.AddMember("kind", "ExecCredential", a);
  rapidjson::Value spec(rapidjson::kObjectType);
  spec.AddMember("interactive", false, a);
  if (exec.provideClusterInfo) {
    rapidjson::Value cluster(rapidjson::kObjectType);
    cluster.AddMember("server", rapidjson::Value(server.c_str(), a), a);
    if (!caData.empty()) {
      cluster.AddMember("certificate-authority-data",
                        rapidjson::Value(encodeBase64(caData).c_str(), a), a);
    }
    if (insecure) cluster.AddMember("insecure-skip-tls-verify", true, a);
    spec.AddMember("cluster", cluster, a);
  }
  info.AddMember("spec", spec, a);
  return toJson(info);
}

// Runs the plugin, returns its stdout. It gets its own process group so that a plugin past its
// time limit is killed with everything it started (a script's `aws` or `gcloud`), not alone.
std::string runPlugin(const ExecConfig& exec, const std::string& info) {
  SubprocessOptions options;
  options.env.emplace();
  auto overridden = [&](const std::string& entry) {
    std::string name = entry.substr(0, entry.find('='));
    if (name == "KUBERNETES_EXEC_INFO") return true;
    for (const auto& [key, value] : exec.env)
      if (key == name) return true;
    return false;
  };
  for (char** e = environ; e && *e; ++e) {
    if (!overridden(*e)) options.env->emplace_back(*e);
  }
  for (const auto& [key, value] : exec.env) options.env->push_back(key + "=" + value);
  options.env->push_back("KUBERNETES_EXEC_INFO=" + info);
  options.argv = {exec.command};
  options.argv.insert(options.argv.end(), exec.args.begin(), exec.args.end());
  options.stdoutTo = kPipeStream;
  options.newProcessGroup = true;

  Subprocess plugin;
  if (int error = plugin.start(options)) {
    throw ConfigError("exec plugin " + exec.command + ": cannot run it: " + std::strerror(error));
  }
  // The limit covers the exit too: a plugin that closes its stdout and hangs is not waited for.
  if (!plugin.finish(Subprocess::Clock::now() + exec.timeout)) {
    plugin.kill();
    throw ConfigError("exec plugin " + exec.command + " did not finish within " +
                      std::to_string(exec.timeout.count() / 1000) + " s");
  }
  const int status = plugin.status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw ConfigError("exec plugin " + exec.command + " failed (" +
                      (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                         : std::string("killed by a signal")) +
                      ")");
  }
  return plugin.out().tail;
}

struct Credential {
  std::string token;
  std::string clientCert;
  std::string clientKey;
  std::optional<Clock::time_point> expires;
};

// Never quotes the plugin's output in errors: it holds the credential.
Credential parseCredential(const ExecConfig& exec, const std::string& output) {
  auto fail = [&](const std::string& why) {
    return ConfigError("exec plugin " + exec.command + ": " + why);
  };
  rapidjson::Document doc;
  try {
    doc = parseJson(output);
  } catch (const JsonError& e) {
    throw fail(std::string("its output is not an ExecCredential (") + e.what() + ")");
  }
  const auto* kind = findMember(doc, "kind");
  const auto* apiVersion = findMember(doc, "apiVersion");
  if (!kind || !kind->IsString() || std::string(kind->GetString()) != "ExecCredential") {
    throw fail("its output is not an ExecCredential (kind)");
  }
  if (!apiVersion || !apiVersion->IsString() || exec.apiVersion != apiVersion->GetString()) {
    throw fail("it answered with another apiVersion than " + exec.apiVersion);
  }
  const auto* status = findMember(doc, "status");
  if (!status || !status->IsObject()) throw fail("its ExecCredential has no status");
  auto text = [&](const char* key) {
    const auto* value = findMember(*status, key);
    return value && value->IsString() ? std::string(value->GetString()) : std::string();
  };
  Credential credential{text("token"), text("clientCertificateData"), text("clientKeyData"), {}};
  if (credential.clientCert.empty() != credential.clientKey.empty()) {
    throw fail("status needs both clientCertificateData and clientKeyData");
  }
  if (credential.token.empty() && credential.clientCert.empty()) {
    throw fail("status has neither a token nor a client certificate");
  }
  std::string expiry = text("expirationTimestamp");
  if (!expiry.empty()) {
    credential.expires = parseRfc3339(expiry);
    if (!credential.expires) throw fail("status.expirationTimestamp is not RFC 3339: " + expiry);
  }
  registerSecret(credential.token);
  registerSecret(credential.clientKey);
  return credential;
}

class ExecAuthenticator : public Authenticator {
 public:
  ExecAuthenticator(ExecConfig exec, std::string info)
      : exec_(std::move(exec)), info_(std::move(info)) {}

  void authenticate(http::Request& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!cached_ || (cached_->expires && Clock::now() >= *cached_->expires)) {
      logger().debug("running exec credential plugin {}", exec_.command);
      cached_ = parseCredential(exec_, runPlugin(exec_, info_));
    }
    if (!cached_->token.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + cached_->token);
    }
    if (!cached_->clientCert.empty()) {
      request.tls.clientCertData = cached_->clientCert;
      request.tls.clientKeyData = cached_->clientKey;
      request.tls.clientCertFile.clear();
      request.tls.clientKeyFile.clear();
    }
  }

  bool invalidate() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cached_.reset();
    return true;
  }

  std::string describe() const override { return "exec credential plugin " + exec_.command; }

 private:
  ExecConfig exec_;
  std::string info_;
  std::mutex mutex_;
  std::optional<Credential> cached_;
};

}  // namespace

std::shared_ptr<Authenticator> makeExecAuthenticator(ExecConfig exec, std::string server,
                                                     std::string caData, bool insecure) {
  std::string info = execInfo(exec, server, caData, insecure);
  return std::make_shared<ExecAuthenticator>(std::move(exec), std::move(info));
}

}  // namespace iter8::kube
