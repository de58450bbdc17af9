// The one libcurl wrapper of the project: one blocking HTTP(S) exchange per call.
//
// HTTP error statuses (4xx, 5xx) are answers, not failures: send() returns them in the
// Response. HttpError means no answer arrived (connection, timeout, TLS). Nothing here logs
// request headers or bodies, because they carry credentials (Authorization) and secrets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iter8::http {

// How the peer is verified and how we authenticate with a client certificate. Each PEM item
// comes either from a file or from memory (the *Data fields win when both are set). A given CA
// is the only one trusted; with none the system's trust store is used. Verification is on unless
// insecureSkipVerify says otherwise.
struct TlsOptions {
  std::string caFile;
  std::string caData;  // PEM
  std::string clientCertFile;
  std::string clientCertData;  // PEM
  std::string clientKeyFile;
  std::string clientKeyData;  // PEM
  bool insecureSkipVerify = false;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Whole exchange, connection included. Always set: a hung peer must not hang the caller.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};
  TlsOptions tls;
  // Optional: polled while the exchange runs (libcurl's progress callback, at least once a
  // second); returning true abandons it with HttpError kind kCancelled.
  std::function<bool()> abort;
  // The most bytes of the reply's body kept; the rest is read, counted in
  // Response::bodyDropped, and dropped, so a peer sending gigabytes costs no memory.
  size_t maxBody = SIZE_MAX;
};

struct Response {
  long status = 0;
  // The reason phrase of the final status line ("Internal Server Error"), "" when the server
  // sent none (HTTP/2 has none).
  std::string reason;
  std::string body;          // at most Request::maxBody bytes: the start of the body
  uint64_t bodyDropped = 0;  // bytes past maxBody, read and dropped
  // Names lower-cased; a header that repeats has its values joined with ", " (RFC 9110 5.3).
  std::map<std::string, std::string> headers;

  // Value of header `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
  // "500 Internal Server Error" (or "500" without a reason phrase), for messages.
  std::string statusLine() const;
};

class HttpError : public std::runtime_error {
 public:
  // Why no answer arrived. Callers retry kConnect and kTimeout; kTls and kOther are final;
  // kCancelled means Request::abort asked to stop.
  enum class Kind { kConnect, kTimeout, kTls, kOther, kCancelled };
  HttpError(Kind kind, int curlCode, const std::string& message)
      : std::runtime_error(message), kind_(kind), curlCode_(curlCode) {}
  Kind kind() const { return kind_; }
  int curlCode() const { return curlCode_; }

 private:
  Kind kind_;
  int curlCode_;
};

// Performs `request`. Throws HttpError (message: method, URL without query and fragment, and
// curl's reason) when no HTTP answer was received. Thread-safe; no connection reuse.
Response send(const Request& request);

// True when libcurl parses `url` as an absolute http:// or https:// URL with a host.
bool isHttpUrl(std::string_view url);

// An absolute URL taken apart by libcurl's parser, the one every transfer uses: "" where the
// URL has no such part. The scheme is lower case; an IPv6 host keeps its brackets ("[::1]");
// the port is the scheme's default when the URL names none; the path is at least "/" and has
// dot segments resolved; the fragment is dropped.
struct UrlParts {
  std::string scheme;
  std::string user;
  std::string password;
  std::string host;
  std::string zone;  // an IPv6 zone ("eth0" of "[fe80::1%25eth0]"), apart from host
  std::string port;
  std::string path;
  std::string query;  // without the "?"
};

// Throws std::invalid_argument "invalid URL '<url>': <libcurl's reason>" when libcurl cannot
// parse `url` (the URL as urlForMessages shows it).
UrlParts parseUrl(const std::string& url);

// `url` without its query string and fragment, which may carry secrets (API keys, tokens);
// use it whenever a URL goes into a message.
std::string urlForMessages(std::string_view url);

// Initialises libcurl for the process once (curl_global_init is not thread-safe). send() calls
// it; code that drives libcurl handles of its own (the load generator's multi handle) calls it
// before creating any. Throws HttpError when libcurl cannot be initialised.
void initCurlOnce();

}  // namespace iter8::http
