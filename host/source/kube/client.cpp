#include "host/source/kube/client.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <thread>

#include "host/log.h"
#include "host/source/kube/api_warnings.h"
#include "host/source/secret_data.h"
#include "lib/json.h"

namespace iter8::kube {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Path segment escaping; names are DNS labels in practice, but a stray "/" or "?" in a
// configured name must not address another object.
std::string escapeSegment(const std::string& segment) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool retryableStatus(long status) {
  return status == 429 || status >= 500;
}

// The server's explanation: Status.message when the body is a Status, else a short excerpt.
// Redacted, since a proxy could echo anything back.
std::string serverMessage(const http::Response& response) {
  try {
    auto doc = parseJson(response.body);
    if (const auto* message = findMember(doc, "message"); message && message->IsString()) {
      return redact(message->GetString());
    }
  } catch (const JsonError&) {
  }
  std::string excerpt = response.body.substr(0, 200);
  std::replace(excerpt.begin(), excerpt.end(), '\n', ' ');
  return redact(excerpt);
}

std::string seconds(SteadyClock::duration duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s",
                std::chrono::duration_cast<milliseconds>(duration).count() / 1000.0);
  return text;
}

// Retry-After in seconds (the only form the API server sends), or 0.
milliseconds retryAfter(const http::Response& response) {
  std::string value = response.header("Retry-After");
  if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit)) return milliseconds(0);
  return std::chrono::seconds(std::stol(value.substr(0, 6)));
}

ResourceRef experimentRef(const std::string& verb, const std::string& ns, const std::string& name,
                          bool status) {
  return {verb, "iter8.tools", status ? "experiments/status" : "experiments", ns, name};
}

}  // namespace

std::string experimentPath(const std::string& ns, const std::string& name) {
  return "/apis/iter8.tools/v2alpha2/namespaces/" + escapeSegment(ns) + "/experiments/" +
         escapeSegment(name);
}

std::string secretPath(const std::string& ns, const std::string& name) {
  return "/api/v1/namespaces/" + escapeSegment(ns) + "/secrets/" + escapeSegment(name);
}

KubeClient::KubeClient(ClusterConfig config, RetryPolicy policy)
    : config_(std::move(config)), policy_(policy) {
  if (!config_.auth) throw ConfigError("cluster configuration without an authenticator");
}

http::Response KubeClient::exchange(const std::string& method, const std::string& path,
                                    const std::string& body, milliseconds timeout) {
  for (int attempt = 0;; ++attempt) {
    http::Request request;
    request.method = method;
    request.url = config_.server + path;
    request.timeout = timeout;
    request.connectTimeout = std::min(timeout, milliseconds(std::chrono::seconds(5)));
    request.tls = config_.tls;
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("User-Agent", "iter8-handler");
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
    try {
      config_.auth->authenticate(request);
    } catch (const ConfigError& e) {
      throw KubeError(0, method + " " + path + ": cannot get credentials: " + e.what());
    }
    auto started = SteadyClock::now();
    http::Response response = http::send(request);
    if (std::string date = response.header("Date"); !date.empty()) lastServerDate_ = date;
    if (std::string warning = response.header("Warning"); !warning.empty()) {
      logApiWarnings(warning, method, path);
    }
    logger().trace("{} {} -> {} ({} ms)", method, path, response.status,
                   std::chrono::duration_cast<milliseconds>(SteadyClock::now() - started).count());
    // A rotated token file or an expired exec credential: one retry with fresh credentials.
    if (response.status == 401 && attempt == 0 && config_.auth->invalidate()) {
      logger().debug("{} {}: 401, retrying once with refreshed credentials", method, path);
      continue;
    }
    return response;
  }
}

namespace {

// An HTTP error's text without the "GET https://server/path: " it starts with: the log line
// already names the call, and the whole URL twice made retry lines 400 characters long.
std::string withoutRequest(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
}

}  // namespace

http::Response KubeClient::call(const std::string& method, const std::string& path,
                                const std::string& body) {
  const auto started = SteadyClock::now();
  const auto deadline = started + policy_.deadline;
  milliseconds backoff = policy_.initialBackoff;
  std::string lastError;
  long lastStatus = 0;
  for (int attempts = 1;; ++attempts) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
    milliseconds timeout = std::max(std::min(policy_.requestTimeout, left), milliseconds(100));
    milliseconds wait = backoff;
    try {
      http::Response response = exchange(method, path, body, timeout);
      if (!retryableStatus(response.status)) return response;
      lastStatus = response.status;
      lastError = "HTTP " + std::to_string(response.status) + ": " + serverMessage(response);
      wait = std::max(wait, std::min(retryAfter(response), policy_.maxBackoff));
    } catch (const http::HttpError& e) {
      if (e.kind() != http::HttpError::Kind::kConnect &&
          e.kind() != http::HttpError::Kind::kTimeout) {
        throw KubeError(0, std::string(e.what()) + hintFor(e));
      }
      lastStatus = 0;
      lastError = withoutRequest(e.what(), method + " " + config_.server + path + ": ");
      if (e.kind() == http::HttpError::Kind::kConnect && policy_.failFastOnConnect) {
        throw KubeError(0, "cannot connect to the server " + config_.server + " (" +
                               config_.source + "): " + lastError +
                               "; is the cluster running, and is this the right context?");
      }
    }
    if (SteadyClock::now() + wait >= deadline) {
      throw KubeError(lastStatus, method + " " + config_.server + path + ": gave up after " +
                                      std::to_string(attempts) + " attempts in " +
                                      seconds(SteadyClock::now() - started) + " (retry deadline " +
                                      seconds(policy_.deadline) + "); last error: " + lastError);
    }
    // Info, not debug: a cluster run otherwise waits in silence for up to the whole deadline.
    logger().info("{} {}: attempt {} failed ({}); retrying in {} ms ({} left)", method, path,
                  attempts, lastError, wait.count(), seconds(deadline - SteadyClock::now()));
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, policy_.maxBackoff);
  }
}

std::string KubeClient::hintFor(const http::HttpError& error) const {
  if (error.kind() != http::HttpError::Kind::kTls) return "";
  if (config_.tls.caData.empty() && config_.tls.caFile.empty()) {
    return " (the API server's certificate was checked against the system CAs; " + config_.source +
           " names no certificate authority)";
  }
  return " (check the certificate authority and client certificate of " + config_.source + ")";
}

KubeError KubeClient::failure(const std::string& method, const std::string& path,
                              const http::Response& response, const ResourceRef& ref) const {
  std::string prefix = method + " " + path + ": ";
  std::string message = serverMessage(response);
  switch (response.status) {
    case 404:
      return KubeError(404, prefix + "not found (404): " + message);
    case 403: {
      std::string group = ref.group.empty() ? "\"\" (core)" : ref.group;
      return KubeError(
          403, prefix + "forbidden (403): " + message +
                   "; the handler's identity lacks the RBAC permission verb=" + ref.verb +
                   " resource=" + ref.resource + " apiGroup=" + group + " namespace=" + ref.ns +
                   " (grant it with a Role and RoleBinding in that namespace)");
    }
    case 401:
      return KubeError(401, prefix + "unauthorized (401): the API server rejected the " +
                                config_.auth->describe() + " of " + config_.source);
    default:
      return KubeError(response.status, prefix + "failed with HTTP " +
                                            std::to_string(response.status) + ": " + message);
  }
}

rapidjson::Document KubeClient::getJson(const std::string& path, const ResourceRef& ref) {
  http::Response response = call("GET", path, "");
  if (response.status < 200 || response.status >= 300) {
    throw failure("GET", path, response, ref);
  }
  try {
    return parseJson(response.body);
  } catch (const JsonError& e) {
    throw KubeError(response.status, "GET " + path + ": the answer is not JSON: " + e.what());
  }
}

rapidjson::Document KubeClient::sendJson(const std::string& method, const std::string& path,
                                         const std::string& body, const ResourceRef& ref) {
  http::Response response = call(method, path, body);
  if (response.status < 200 || response.status >= 300) {
    throw failure(method, path, response, ref);
  }
  try {
    return parseJson(response.body);
  } catch (const JsonError& e) {
    throw KubeError(response.status, method + " " + path + ": the answer is not JSON: " + e.what());
  }
}

rapidjson::Document KubeClient::getExperiment(const std::string& ns, const std::string& name) {
  return getJson(experimentPath(ns, name), experimentRef("get", ns, name, false));
}

rapidjson::Document KubeClient::updateExperimentStatus(const std::string& ns,
                                                       const std::string& name,
                                                       const rapidjson::Value& statusPatch) {
  const std::string path = experimentPath(ns, name) + "/status";
  for (int round = 0;; ++round) {
    rapidjson::Document object = getExperiment(ns, name);
    auto& a = object.GetAllocator();
    const auto* metadata = findMember(object, "metadata");
    const auto* version = metadata ? findMember(*metadata, "resourceVersion") : nullptr;
    if (!version || !version->IsString()) {
      throw KubeError(200, "GET " + experimentPath(ns, name) +
                               ": the experiment has no metadata.resourceVersion");
    }
    std::string readVersion = version->GetString();
    if (!object.HasMember("status") || !object["status"].IsObject()) {
      object.RemoveMember("status");
      object.AddMember("status", rapidjson::Value(rapidjson::kObjectType), a);
    }
    // Only the task's patch is applied to the fresh object; everything else stays as read.
    applyMergePatch(object["status"], statusPatch, a);

    // The PUT carries resourceVersion, so retrying it after a lost answer is safe: a write
    // that did land makes the retry fail with 409, which re-reads below.
    http::Response response = call("PUT", path, toJson(object));
    if (response.status >= 200 && response.status < 300) {
      logger().debug("updated status of experiment {}/{} (read at resourceVersion {})", ns, name,
                     readVersion);
      try {
        return parseJson(response.body);
      } catch (const JsonError&) {
        return object;
      }
    }
    if (response.status == 404) {
      // The GET just found it, so the status subresource itself is missing.
      KubeError error = failure("PUT", path, response, experimentRef("update", ns, name, true));
      throw KubeError(404, std::string(error.what()) +
                               " (the experiment exists: does its CRD enable the status "
                               "subresource?)");
    }
    if (response.status != 409) {
      throw failure("PUT", path, response, experimentRef("update", ns, name, true));
    }
    if (round >= policy_.maxConflictRetries) {
      throw KubeError(409, "PUT " + path + ": conflict (409) on each of " +
                               std::to_string(round + 1) +
                               " attempts; another writer keeps changing the experiment: " +
                               serverMessage(response));
    }
    logger().debug("PUT {}: conflict at resourceVersion {}; re-reading and re-applying the patch",
                   path, readVersion);
  }
}

std::map<std::string, std::string> KubeClient::getSecret(const std::string& ns,
                                                         const std::string& name) {
  const std::string path = secretPath(ns, name);
  rapidjson::Document secret = getJson(path, {"get", "", "secrets", ns, name});
  std::map<std::string, std::string> values;
  try {
    values = decodeSecret(secret);
  } catch (const SecretFormatError& e) {
    throw KubeError(200, "secret " + ns + "/" + name + ": " + e.what());
  }
  logger().debug("read secret {}/{} ({} keys)", ns, name, values.size());
  return values;
}

}  // namespace iter8::kube
