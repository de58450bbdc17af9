#include "lib/http.h"

#include "lib/text.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>

#include <curl/curl.h>

namespace iter8::http {
namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// Where a body goes: kept up to the request's cap, then counted only.
struct BodySink {
  Response* response;
  size_t max;
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t n = size * count;
  std::string& body = sink->response->body;
  const size_t kept = std::min(n, sink->max - std::min(sink->max, body.size()));
  body.append(data, kept);
  sink->response->bodyDropped += n - kept;
  return n;
}

std::string_view trimLineEnd(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  return text;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  auto* headers = &response->headers;
  std::string_view line(data, size * count);
  // A new status line starts a new header block (after "100 Continue" or a redirect).
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    // "HTTP/1.1 500 Internal Server Error": the reason is what follows the code.
    std::string_view rest = trimLineEnd(line);
    size_t codeStart = rest.find(' ');
    size_t reasonStart = codeStart == std::string_view::npos ? std::string_view::npos
                                                             : rest.find(' ', codeStart + 1);
    response->reason = reasonStart == std::string_view::npos
                           ? std::string()
                           : std::string(rest.substr(reasonStart + 1));
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  // A repeated field is combined into one, comma-separated, as RFC 9110 5.3 allows (Kubernetes
  // sends a `Warning` field per warning).
  std::string& stored = (*headers)[asciiLower(line.substr(0, colon))];
  stored += stored.empty() ? std::string(value) : ", " + std::string(value);
  return size * count;
}

// libcurl's progress callback: a non-zero return abandons the transfer.
int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return (*static_cast<const std::function<bool()>*>(user))() ? 1 : 0;
}

HttpError::Kind classify(CURLcode code, const std::string& reason) {
  // With TLS 1.3 the server rejects a client certificate after the handshake, so the client
  // sees a send/receive error carrying a TLS alert; that is final, not a network hiccup.
  if ((code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR) &&
      reason.find("SSL") != std::string::npos && reason.find("alert") != std::string::npos) {
    return HttpError::Kind::kTls;
  }
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return HttpError::Kind::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return HttpError::Kind::kTimeout;
    case CURLE_ABORTED_BY_CALLBACK:
      return HttpError::Kind::kCancelled;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
      return HttpError::Kind::kTls;
    default:
      return HttpError::Kind::kOther;
  }
}

// Sets one option; a failure here is a programming or build error (e.g. libcurl without TLS).
template <typename T>
void setOption(CURL* handle, CURLoption option, T value, const char* name) {
  CURLcode code = curl_easy_setopt(handle, option, value);
  if (code != CURLE_OK) {
    throw HttpError(
        HttpError::Kind::kOther, code,
        std::string("libcurl rejected option ") + name + ": " + curl_easy_strerror(code));
  }
}

// libcurl copies blobs with CURL_BLOB_COPY, so `data` only needs to live through the call.
void setBlob(CURL* handle, CURLoption option, const std::string& data, const char* name) {
  curl_blob blob{const_cast<char*>(data.data()), data.size(), CURL_BLOB_COPY};
  setOption(handle, option, &blob, name);
}

void applyTls(CURL* handle, const TlsOptions& tls) {
  if (!tls.caData.empty()) {
    setBlob(handle, CURLOPT_CAINFO_BLOB, tls.caData, "CAINFO_BLOB");
  } else if (!tls.caFile.empty()) {
    setOption(handle, CURLOPT_CAINFO, tls.caFile.c_str(), "CAINFO");
  }
  if (!tls.caData.empty() || !tls.caFile.empty()) {
    // A given CA is the only trust anchor (as in Go's tls.Config.RootCAs): no system CA
    // folder, or any publicly trusted certificate would pass for the cluster's.
    setOption(handle, CURLOPT_CAPATH, static_cast<const char*>(nullptr), "CAPATH");
  }
  if (!tls.clientCertData.empty()) {
    setBlob(handle, CURLOPT_SSLCERT_BLOB, tls.clientCertData, "SSLCERT_BLOB");
    setOption(handle, CURLOPT_SSLCERTTYPE, "PEM", "SSLCERTTYPE");
  } else if (!tls.clientCertFile.empty()) {
    setOption(handle, CURLOPT_SSLCERT, tls.clientCertFile.c_str(), "SSLCERT");
  }
  if (!tls.clientKeyData.empty()) {
    setBlob(handle, CURLOPT_SSLKEY_BLOB, tls.clientKeyData, "SSLKEY_BLOB");
    setOption(handle, CURLOPT_SSLKEYTYPE, "PEM", "SSLKEYTYPE");
  } else if (!tls.clientKeyFile.empty()) {
    setOption(handle, CURLOPT_SSLKEY, tls.clientKeyFile.c_str(), "SSLKEY");
  }
  long verify = tls.insecureSkipVerify ? 0L : 1L;
  setOption(handle, CURLOPT_SSL_VERIFYPEER, verify, "SSL_VERIFYPEER");
  setOption(handle, CURLOPT_SSL_VERIFYHOST, verify * 2L, "SSL_VERIFYHOST");
}

}  // namespace

std::string Response::header(std::string_view name) const {
  auto found = headers.find(asciiLower(name));
  return found == headers.end() ? std::string() : found->second;
}

std::string Response::statusLine() const {
  return reason.empty() ? std::to_string(status) : std::to_string(status) + " " + reason;
}

bool isHttpUrl(std::string_view url) {
  try {
    UrlParts parts = parseUrl(std::string(url));
    return (parts.scheme == "http" || parts.scheme == "https") && !parts.host.empty();
  } catch (const std::invalid_argument&) {
    return false;
  }
}

UrlParts parseUrl(const std::string& url) {
  initCurlOnce();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), curl_url_cleanup);
  if (!handle) throw std::bad_alloc();
  CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0);
  if (rc != CURLUE_OK)
    throw std::invalid_argument("invalid URL '" + urlForMessages(url) +
                                "': " + curl_url_strerror(rc));
  auto part = [&handle](CURLUPart which, unsigned flags = 0) {
    char* raw = nullptr;
    if (curl_url_get(handle.get(), which, &raw, flags) != CURLUE_OK || raw == nullptr)
      return std::string();
    std::string text(raw);
    curl_free(raw);
    return text;
  };
  UrlParts parts;
  parts.scheme = asciiLower(part(CURLUPART_SCHEME));
  parts.user = part(CURLUPART_USER);
  parts.password = part(CURLUPART_PASSWORD);
  parts.host = part(CURLUPART_HOST);
  parts.zone = part(CURLUPART_ZONEID);
  parts.port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  parts.path = part(CURLUPART_PATH);
  if (parts.path.empty()) parts.path = "/";
  parts.query = part(CURLUPART_QUERY);
  return parts;
}

std::string urlForMessages(std::string_view url) {
  std::string_view shown = url.substr(0, url.find_first_of("?#"));
  // Drop "user:password@" from the authority too.
  size_t scheme = shown.find("://");
  size_t authorityStart = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t authorityEnd = shown.find('/', authorityStart);
  size_t at = shown.substr(0, authorityEnd).rfind('@');
  if (at != std::string_view::npos && at >= authorityStart) {
    return std::string(shown.substr(0, authorityStart)) + std::string(shown.substr(at + 1));
  }
  return std::string(shown);
}

namespace {

// URL, method, body and limits of `request` on `h`.
void setRequestOptions(CURL* h, const Request& request, char* reason) {
  setOption(h, CURLOPT_ERRORBUFFER, reason, "ERRORBUFFER");
  setOption(h, CURLOPT_URL, request.url.c_str(), "URL");
  setOption(h, CURLOPT_PROTOCOLS_STR, "http,https", "PROTOCOLS_STR");
  // Threads: no SIGALRM-based resolver timeouts. Never verbose: it would print headers.
  setOption(h, CURLOPT_NOSIGNAL, 1L, "NOSIGNAL");
  setOption(h, CURLOPT_VERBOSE, 0L, "VERBOSE");
  setOption(h, CURLOPT_FOLLOWLOCATION, 0L, "FOLLOWLOCATION");
  setOption(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()), "TIMEOUT_MS");
  setOption(h, CURLOPT_CONNECTTIMEOUT_MS,
            static_cast<long>(std::min(request.connectTimeout, request.timeout).count()),
            "CONNECTTIMEOUT_MS");
  setOption(h, CURLOPT_CUSTOMREQUEST, request.method.c_str(), "CUSTOMREQUEST");
  if (request.method == "HEAD") setOption(h, CURLOPT_NOBODY, 1L, "NOBODY");
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    setOption(h, CURLOPT_POSTFIELDS, request.body.data(), "POSTFIELDS");
    setOption(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()),
              "POSTFIELDSIZE_LARGE");
  }
}

// The request's headers as a libcurl list (which `h` points to while the list lives).
std::unique_ptr<curl_slist, SlistDeleter> setHeaders(CURL* h, const Request& request) {
  std::unique_ptr<curl_slist, SlistDeleter> list;
  auto append = [&](const std::string& line) {
    // Returns the list's head: the same pointer once the list exists.
    curl_slist* head = curl_slist_append(list.get(), line.c_str());
    if (!head) throw HttpError(HttpError::Kind::kOther, 0, "out of memory building headers");
    list.release();
    list.reset(head);
  };
  for (const auto& [name, value] : request.headers) append(name + ": " + value);
  append("Expect:");  // no "100-continue" round trip for request bodies
  setOption(h, CURLOPT_HTTPHEADER, list.get(), "HTTPHEADER");
  return list;
}

}  // namespace

Response send(const Request& request) {
  initCurlOnce();
  std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
  if (!handle) throw HttpError(HttpError::Kind::kOther, 0, "cannot create a libcurl handle");
  CURL* h = handle.get();

  Response response;
  char reason[CURL_ERROR_SIZE] = {0};
  setRequestOptions(h, request, reason);
  std::unique_ptr<curl_slist, SlistDeleter> headers = setHeaders(h, request);
  BodySink sink{&response, request.maxBody};
  setOption(h, CURLOPT_WRITEFUNCTION, &onBody, "WRITEFUNCTION");
  setOption(h, CURLOPT_WRITEDATA, &sink, "WRITEDATA");
  setOption(h, CURLOPT_HEADERFUNCTION, &onHeader, "HEADERFUNCTION");
  setOption(h, CURLOPT_HEADERDATA, &response, "HEADERDATA");
  applyTls(h, request.tls);
  if (request.abort) {
    setOption(h, CURLOPT_XFERINFOFUNCTION, &onProgress, "XFERINFOFUNCTION");
    setOption(h, CURLOPT_XFERINFODATA, const_cast<std::function<bool()>*>(&request.abort),
              "XFERINFODATA");
    setOption(h, CURLOPT_NOPROGRESS, 0L, "NOPROGRESS");
  }

  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    std::string why = reason[0] ? reason : curl_easy_strerror(code);
    // OpenSSL's words for a plain-HTTP answer to a TLS hello mean little to most people.
    const bool plainServer = code == CURLE_SSL_CONNECT_ERROR &&
                             (why.find("wrong version number") != std::string::npos ||
                              why.find("packet length too long") != std::string::npos);
    throw HttpError(
        classify(code, why), code,
        request.method + " " + urlForMessages(request.url) + ": " + why + " (curl error " +
            std::to_string(code) + ")" +
            (plainServer ? "; the server does not speak TLS (is it plain http://?)" : ""));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

void initCurlOnce() {
  // curl_global_init is not thread-safe and must run once before any easy handle exists.
  static std::once_flag once;
  std::call_once(once, [] {
    CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
      throw HttpError(HttpError::Kind::kOther, code,
                      std::string("cannot initialise libcurl: ") + curl_easy_strerror(code));
    }
  });
}

}  // namespace iter8::http
