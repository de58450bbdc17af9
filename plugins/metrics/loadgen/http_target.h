// Where the fast engine connects and the bytes it sends: a plain http:// URL taken apart with
// libcurl's own URL parser (http::parseUrl, so both engines agree on host, port, path and
// query) and the one request every send of a load repeats, spelled the way libcurl spells it.
#pragma once

#include <string>
#include <vector>

#include "lib/http.h"

namespace iter8::metrics {

struct LoadSpec;

struct HttpTarget {
  std::string host;        // for getaddrinfo: "127.0.0.1", "::1", "example.com"
  std::string port;        // decimal, "80" when the URL names none
  std::string hostHeader;  // "Host:" value: "[::1]:8080"; no port when it is 80
  std::string target;      // request target: path plus "?query", "/" at least
};

// Why the fast engine cannot serve `url` ("" when it can): a scheme other than http, a user
// name or password, an IPv6 zone, a host name that is not ASCII, or a proxy that applies (see
// proxyApplies).
std::string fastEngineRefusal(const http::UrlParts& url);
// The same for a URL text; throws std::invalid_argument when libcurl cannot parse it.
std::string fastEngineRefusal(const std::string& url);

// Where to connect and what to name in the request for a URL fastEngineRefusal accepts.
HttpTarget httpTarget(const http::UrlParts& url);
// The same for a URL text; throws std::invalid_argument when libcurl cannot parse it or the
// fast engine cannot serve it.
HttpTarget parseHttpTarget(const std::string& url);

// Whether libcurl would send a request for http://<host> through a proxy, judged from
// http_proxy, all_proxy/ALL_PROXY and no_proxy/NO_PROXY the way libcurl 7.88 reads them. A
// CIDR range in no_proxy is not judged here, so it counts as "a proxy applies": that only costs
// speed, since the load then goes through libcurl.
bool proxyApplies(const std::string& host);

// The request of one send, byte for byte what libcurl 7.88 sends: request line, Host (a user's
// Host takes its place), Accept (unless the user sets one), the user headers in order (one with
// an empty value removes that header), Content-Type and Content-Length for a POST, the body.
// Headers are validated by the caller (runLoad).
std::string buildHttpRequest(const LoadSpec& spec, const HttpTarget& target);

}  // namespace iter8::metrics
