#include "tests/support/fake_apiserver.h"

#include <ctime>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/base64.h"
#include "lib/json.h"
#include "tests/support/fake_apiserver_status.h"
#include "tests/support/structural_pruning.h"

namespace iter8::testing {
namespace {

const std::regex kExperimentPath(
    R"(/apis/iter8\.tools/v2alpha2/namespaces/([^/]+)/experiments/([^/]+)(/status)?)");
const std::regex kSecretPath(R"(/api/v1/namespaces/([^/]+)/secrets(?:/([^/]+))?)");
const std::regex kJobPath(R"(/apis/batch/v1/namespaces/([^/]+)/jobs(?:/([^/]+))?)");
const std::regex kJobStatusPath(R"(/apis/batch/v1/namespaces/([^/]+)/jobs/([^/]+)/status)");
const std::regex kConfigMapPath(R"(/api/v1/namespaces/([^/]+)/configmaps(?:/([^/]+))?)");
// Any resource path: group (none for /api/v1), namespace, resource, name, subresource.
const std::regex kResourcePath(
    R"(/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?)");

std::string experimentKey(const std::string& ns, const std::string& name) {
  return "/apis/iter8.tools/v2alpha2/namespaces/" + ns + "/experiments/" + name;
}
std::string secretKey(const std::string& ns, const std::string& name) {
  return "/api/v1/namespaces/" + ns + "/secrets/" + name;
}

}  // namespace

const char* reasonOf(int status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 503:
      return "ServiceUnavailable";
    default:
      return "InternalError";
  }
}

void sendStatus(httplib::Response& response, int code, const std::string& message,
                const char* reason) {
  rapidjson::Document status(rapidjson::kObjectType);
  auto& a = status.GetAllocator();
  status.AddMember("kind", "Status", a);
  status.AddMember("apiVersion", "v1", a);
  status.AddMember("metadata", rapidjson::Value(rapidjson::kObjectType), a);
  status.AddMember("status", "Failure", a);
  status.AddMember("message", rapidjson::Value(message.c_str(), a), a);
  status.AddMember("reason", rapidjson::StringRef(reason != nullptr ? reason : reasonOf(code)), a);
  status.AddMember("code", code, a);
  response.status = code;
  response.set_content(toJson(status), "application/json");
}

rapidjson::Document copyOf(const rapidjson::Value& value) {
  rapidjson::Document copy;
  copy.CopyFrom(value, copy.GetAllocator());
  return copy;
}

namespace {

void setResourceVersion(rapidjson::Document& object, long version) {
  auto& a = object.GetAllocator();
  if (!object.HasMember("metadata") || !object["metadata"].IsObject()) {
    object.RemoveMember("metadata");
    object.AddMember("metadata", rapidjson::Value(rapidjson::kObjectType), a);
  }
  auto& metadata = object["metadata"];
  metadata.RemoveMember("resourceVersion");
  metadata.AddMember("resourceVersion", rapidjson::Value(std::to_string(version).c_str(), a), a);
}

// The API verb of a request, for the RBAC-style 403 message.
std::string verbOf(const httplib::Request& request) {
  if (request.method == "GET") return "get";
  if (request.method == "PUT") return "update";
  if (request.method == "PATCH") return "patch";
  if (request.method == "DELETE") return "delete";
  return "create";
}

// The RBAC view of a request on a resource path; nullopt for discovery and other non-resource
// paths, which every authenticated identity may read.
std::optional<ResourceRequest> resourceRequestOf(const httplib::Request& request) {
  std::smatch match;
  if (!std::regex_match(request.path, match, kResourcePath)) return std::nullopt;
  ResourceRequest out;
  out.group = match[1];
  out.ns = match[2];
  out.resource = match[3].str() + (match[5].matched ? "/" + match[5].str() : "");
  out.name = match[4];
  const bool named = !out.name.empty();
  if (request.method == "GET") {
    out.verb = !named ? (request.has_param("watch") ? "watch" : "list") : "get";
  } else if (request.method == "DELETE") {
    out.verb = named ? "delete" : "deletecollection";
  } else {
    out.verb = verbOf(request);
  }
  return out;
}

}  // namespace

FakeApiServer::FakeApiServer(const PemPair& ca, const PemPair& serverCert, std::string token,
                             std::string clientUser)
    : clientUser_(std::move(clientUser)), token_(std::move(token)) {
  std::error_code ec;
  if (std::filesystem::exists(experimentCrdPath(), ec)) {
    schema_ = loadCrdSchema(experimentCrdPath(), "v2alpha2");
  }
  auto setup = [&](SSL_CTX& ctx) {
    auto read = [](const std::string& pem) {
      return BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    };
    BIO* certBio = read(serverCert.certPem);
    BIO* keyBio = read(serverCert.keyPem);
    BIO* caBio = read(ca.certPem);
    X509* cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
    X509* caCert = PEM_read_bio_X509(caBio, nullptr, nullptr, nullptr);
    bool ok = cert && key && caCert && SSL_CTX_use_certificate(&ctx, cert) == 1 &&
              SSL_CTX_use_PrivateKey(&ctx, key) == 1;
    if (ok) {
      // Like kube-apiserver: ask for a client certificate but do not require one (tokens are
      // the alternative), and do not fail the handshake over a bad one: the verification
      // result is kept and authorized() answers 401 for it.
      X509_STORE_add_cert(SSL_CTX_get_cert_store(&ctx), caCert);
      SSL_CTX_add_client_CA(&ctx, caCert);
      SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
      SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    X509_free(caCert);
    BIO_free(certBio);
    BIO_free(keyBio);
    BIO_free(caBio);
    return ok;
  };
  server_ = std::make_unique<httplib::SSLServer>(setup);
  if (!server_->is_valid()) throw std::runtime_error("fake API server: TLS setup failed");
  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    handle(request, response);
  };
  // Answers go out in two writes; without TCP_NODELAY each request waits for a delayed ACK.
  server_->set_tcp_nodelay(true);
  server_->Get(".*", handler);
  server_->Put(".*", handler);
  server_->Post(".*", handler);
  server_->Patch(".*", handler);
  server_->Delete(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake API server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listenReturned_ = true;
  });
  // stop() is a no-op until the server runs, so a quick destruction would hang in join().
  while (!server_->is_running()) {
    if (listenReturned_) {
      thread_.join();
      throw std::runtime_error("fake API server: cannot listen on 127.0.0.1");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FakeApiServer::~FakeApiServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FakeApiServer::setToken(std::string token) {
  std::lock_guard<std::mutex> lock(mutex_);
  token_ = std::move(token);
}

void FakeApiServer::setControlPlaneToken(std::string token) {
  std::lock_guard<std::mutex> lock(mutex_);
  controlPlaneToken_ = std::move(token);
}

void FakeApiServer::setExperimentSchema(rapidjson::Document openApiV3Schema) {
  std::lock_guard<std::mutex> lock(mutex_);
  schema_ = std::move(openApiV3Schema);
}

bool FakeApiServer::prunes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return schema_.IsObject();
}

std::vector<std::string> FakeApiServer::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return warnings_;
}

std::vector<std::string> FakeApiServer::pruneExperiment(rapidjson::Value& object) {
  std::vector<std::string> headers;
  if (!schema_.IsObject()) return headers;
  // kube-apiserver's default field validation ("Warn"): one warning per dropped field.
  for (const std::string& path : pruneResource(object, schema_)) {
    headers.push_back("299 - \"unknown field \\\"" + path + "\\\"\"");
    warnings_.push_back(headers.back());
  }
  return headers;
}

void FakeApiServer::store(const std::string& key, rapidjson::Document object) {
  setResourceVersion(object, ++resourceVersion_);
  objects_[key] = std::move(object);
}

void FakeApiServer::putExperiment(const std::string& ns, const std::string& name,
                                  const std::string& json) {
  std::lock_guard<std::mutex> lock(mutex_);
  rapidjson::Document object = parseJson(json);
  pruneExperiment(object);  // as `kubectl apply` of it would be
  store(experimentKey(ns, name), std::move(object));
}

void FakeApiServer::putSecret(const std::string& ns, const std::string& name,
                              const std::map<std::string, std::string>& values) {
  rapidjson::Document secret = parseJson(R"({"apiVersion":"v1","kind":"Secret","type":"Opaque"})");
  auto& a = secret.GetAllocator();
  rapidjson::Value metadata(rapidjson::kObjectType);
  metadata.AddMember("name", rapidjson::Value(name.c_str(), a), a);
  metadata.AddMember("namespace", rapidjson::Value(ns.c_str(), a), a);
  secret.AddMember("metadata", metadata, a);
  rapidjson::Value data(rapidjson::kObjectType);
  for (const auto& [key, value] : values) {
    data.AddMember(rapidjson::Value(key.c_str(), a),
                   rapidjson::Value(encodeBase64(value).c_str(), a), a);
  }
  secret.AddMember("data", data, a);
  std::lock_guard<std::mutex> lock(mutex_);
  store(secretKey(ns, name), std::move(secret));
}

void FakeApiServer::putRawSecret(const std::string& ns, const std::string& name,
                                 const std::string& json) {
  std::lock_guard<std::mutex> lock(mutex_);
  store(secretKey(ns, name), parseJson(json));
}

rapidjson::Document FakeApiServer::experiment(const std::string& ns,
                                              const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = objects_.find(experimentKey(ns, name));
  return found == objects_.end() ? rapidjson::Document() : copyOf(found->second);
}

void FakeApiServer::failNext(int status, int count, const std::string& pathPart) {
  std::lock_guard<std::mutex> lock(mutex_);
  faults_.push_back({status, count, pathPart});
}

void FakeApiServer::setDateOffset(std::chrono::seconds offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  dateOffset_ = offset;
}

void FakeApiServer::delayNext(std::chrono::milliseconds delay, int count) {
  std::lock_guard<std::mutex> lock(mutex_);
  delay_ = delay;
  delayCount_ = count;
}

void FakeApiServer::interleaveStatusWrite(const std::string& statusPatchJson, int count) {
  std::lock_guard<std::mutex> lock(mutex_);
  interleavePatch_ = statusPatchJson;
  interleaveCount_ = count;
}

std::vector<std::string> FakeApiServer::requestLog() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return log_;
}

int FakeApiServer::requestCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(log_.size());
}

void FakeApiServer::enforceRbac(RbacPolicy policy) {
  std::lock_guard<std::mutex> lock(mutex_);
  rbac_ = std::move(policy);
}

std::vector<std::string> FakeApiServer::usedPermissions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {used_.begin(), used_.end()};
}

std::vector<std::string> FakeApiServer::refusals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return refusals_;
}

bool FakeApiServer::permitted(const httplib::Request& request, httplib::Response& response) {
  if (isControlPlane(request)) return true;  // not the handler's account: no RBAC, not recorded
  std::optional<ResourceRequest> asked = resourceRequestOf(request);
  if (!asked) return true;
  used_.insert(asked->verb + " " + (asked->group.empty() ? "core" : asked->group) + " " +
               asked->resource + " " + (asked->ns.empty() ? "-" : asked->ns));
  if (!rbac_ || rbac_->allows(*asked)) return true;
  refusals_.push_back(rbac_->forbiddenMessage(*asked));
  sendStatus(response, 403, refusals_.back());
  return false;
}

bool FakeApiServer::isControlPlane(const httplib::Request& request) const {
  return !controlPlaneToken_.empty() &&
         request.get_header_value("Authorization") == "Bearer " + controlPlaneToken_;
}

bool FakeApiServer::authorized(const httplib::Request& request) const {
  if (request.get_header_value("Authorization") == "Bearer " + token_) return true;
  if (isControlPlane(request)) return true;
  if (clientUser_.empty() || !request.ssl) return false;
  // The chain must verify against the CA; the CN is the user name.
  X509* cert = SSL_get1_peer_certificate(request.ssl);
  if (!cert) return false;
  char commonName[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, commonName,
                            sizeof commonName);
  X509_free(cert);
  return SSL_get_verify_result(request.ssl) == X509_V_OK && clientUser_ == commonName;
}

void FakeApiServer::handle(const httplib::Request& request, httplib::Response& response) {
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (delayCount_ > 0) {
      --delayCount_;
      delay = delay_;
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);

  std::lock_guard<std::mutex> lock(mutex_);
  // RFC 7231's IMF-fixdate, as Go's net/http writes it.
  const std::time_t now =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + dateOffset_);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  response.set_header("Date", date);
  handleLocked(request, response);
  if (response.status == -1) response.status = 200;  // httplib's default, applied later
  log_.push_back(request.method + " " + request.path + " -> " + std::to_string(response.status));
}

void FakeApiServer::handleLocked(const httplib::Request& request, httplib::Response& response) {
  if (!authorized(request)) {
    sendStatus(response, 401, "Unauthorized");
    return;
  }
  if (!permitted(request, response)) return;
  for (auto fault = faults_.begin(); fault != faults_.end(); ++fault) {
    if (fault->count <= 0 || request.path.find(fault->pathPart) == std::string::npos) continue;
    --fault->count;
    std::string message = "injected failure";
    if (fault->status == 403) {
      message = "forbidden: User \"system:serviceaccount:test:handler\" cannot " + verbOf(request) +
                " " + request.path;
    }
    sendStatus(response, fault->status, message);
    if (fault->status == 429) response.set_header("Retry-After", "0");
    return;
  }

  std::smatch match;
  if (std::regex_match(request.path, match, kJobStatusPath)) {
    serveJobStatus(request, response, match[1], match[2]);
    return;
  }
  if (std::regex_match(request.path, match, kJobPath)) {
    serveCollection(request, response, jobsCollection(), match[1], match[2]);
    return;
  }
  if (std::regex_match(request.path, match, kConfigMapPath)) {
    serveCollection(request, response, configMapsCollection(), match[1], match[2]);
    return;
  }
  if (std::regex_match(request.path, match, kExperimentPath)) {
    serveExperiment(request, response, match[1], match[2], match[3].matched);
    return;
  }
  if (std::regex_match(request.path, match, kSecretPath)) {
    serveCollection(request, response, secretsCollection(), match[1], match[2]);
    return;
  }
  sendStatus(response, 404, "the server could not find the requested resource");
}

void FakeApiServer::serveExperiment(const httplib::Request& request, httplib::Response& response,
                                    const std::string& ns, const std::string& name, bool status) {
  const std::string key = experimentKey(ns, name);
  const std::string notFound = "experiments.iter8.tools \"" + name + "\" not found";
  if (request.method == "GET") {
    auto found = objects_.find(key);
    if (found == objects_.end()) return sendStatus(response, 404, notFound);
    response.set_content(toJson(found->second), "application/json");
    return;
  }
  if (request.method != "PUT") return sendStatus(response, 405, request.method + " not served");

  rapidjson::Document body;
  try {
    body = parseJson(request.body);
  } catch (const JsonError& e) {
    return sendStatus(response, 400, std::string("invalid JSON: ") + e.what());
  }
  const auto* metadata = findMember(body, "metadata");
  const auto* bodyName = metadata ? findMember(*metadata, "name") : nullptr;
  if (!bodyName || !bodyName->IsString() || name != bodyName->GetString()) {
    return sendStatus(response, 400, "the name of the object does not match the URL");
  }
  if (status && interleaveCount_ > 0) {
    // Another writer gets in between this client's read and its write.
    --interleaveCount_;
    auto found = objects_.find(key);
    if (found != objects_.end()) {
      rapidjson::Document other = copyOf(found->second);
      auto patch = parseJson(interleavePatch_);
      if (!other.HasMember("status")) {
        other.AddMember("status", rapidjson::Value(rapidjson::kObjectType), other.GetAllocator());
      }
      applyMergePatch(other["status"], patch, other.GetAllocator());
      pruneExperiment(other);
      store(key, std::move(other));
    }
  }
  auto found = objects_.find(key);
  if (found == objects_.end()) return sendStatus(response, 404, notFound);
  // The server decodes the whole body by the schema, whichever part the request may change.
  for (const std::string& warning : pruneExperiment(body)) response.set_header("Warning", warning);
  metadata = findMember(body, "metadata");
  const auto* version = findMember(*metadata, "resourceVersion");
  std::string stored = found->second["metadata"]["resourceVersion"].GetString();
  // An update without resourceVersion is unconditional, as for custom resources.
  if (version && version->IsString() && *version->GetString() && stored != version->GetString()) {
    return sendStatus(response, 409,
                      "Operation cannot be fulfilled on experiments.iter8.tools \"" + name +
                          "\": the object has been modified; please apply your changes to the "
                          "latest version and try again");
  }
  // The status subresource changes only status; the main resource changes all but status.
  rapidjson::Document updated = copyOf(status ? found->second : body);
  auto& a = updated.GetAllocator();
  const rapidjson::Value* newStatus =
      status ? findMember(body, "status") : findMember(found->second, "status");
  updated.RemoveMember("status");
  if (newStatus) updated.AddMember("status", rapidjson::Value(*newStatus, a), a);
  store(key, std::move(updated));
  response.set_content(toJson(objects_[key]), "application/json");
}

}  // namespace iter8::testing
