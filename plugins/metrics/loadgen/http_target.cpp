#include "plugins/metrics/loadgen/http_target.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "lib/http.h"
#include "lib/text.h"
#include "plugins/metrics/loadgen/load_generator.h"
#include "plugins/metrics/loadgen/request_headers.h"

namespace iter8::metrics {
namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// libcurl's no_proxy rules: entries split at commas and blanks; "*" matches every host; an entry
// matches the host itself or any name under it (a leading dot is ignored); names compare
// without case. A CIDR range never matches here: the load then goes through libcurl, which
// judges it (that only costs speed).
bool noProxyMatches(const std::string& noProxy, const std::string& host) {
  std::string name = asciiLower(host);
  if (name.size() > 2 && name.front() == '[') name = name.substr(1, name.size() - 2);
  size_t begin = 0;
  while (begin < noProxy.size()) {
    size_t end = noProxy.find_first_of(", \t", begin);
    if (end == std::string::npos) end = noProxy.size();
    std::string entry = asciiLower(noProxy.substr(begin, end - begin));
    begin = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.find('/') != std::string::npos) continue;
    if (entry.size() > 2 && entry.front() == '[') entry = entry.substr(1, entry.size() - 2);
    if (entry.front() == '.') entry.erase(0, 1);
    if (name == entry) return true;
    if (name.size() > entry.size() &&
        name.compare(name.size() - entry.size(), entry.size(), entry) == 0 &&
        name[name.size() - entry.size() - 1] == '.')
      return true;
  }
  return false;
}

}  // namespace

bool proxyApplies(const std::string& host) {
  // For http:// libcurl reads only the lower-case http_proxy (the upper-case one could be set
  // by a CGI client's "Proxy:" header), then all_proxy in either case.
  std::string proxy = environment("http_proxy");
  if (proxy.empty()) proxy = environment("all_proxy");
  if (proxy.empty()) proxy = environment("ALL_PROXY");
  if (proxy.empty()) return false;
  std::string noProxy = environment("no_proxy");
  if (noProxy.empty()) noProxy = environment("NO_PROXY");
  return !noProxyMatches(noProxy, host);
}

std::string fastEngineRefusal(const http::UrlParts& url) {
  if (url.scheme != "http") return "the URL is " + url.scheme + "://, not plain http://";
  if (!url.user.empty() || !url.password.empty()) return "the URL carries a user name or password";
  if (!url.zone.empty()) return "the URL names an IPv6 zone";
  for (unsigned char c : url.host) {
    if (c >= 0x80) return "the host name is not ASCII (libcurl converts international names)";
  }
  if (proxyApplies(url.host))
    return "a proxy applies to the host (http_proxy or all_proxy, not excluded by no_proxy)";
  return "";
}

std::string fastEngineRefusal(const std::string& url) {
  return fastEngineRefusal(http::parseUrl(url));
}

HttpTarget httpTarget(const http::UrlParts& url) {
  HttpTarget target;
  const std::string& host = url.host;  // IPv6 keeps its brackets
  target.host = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  target.port = url.port;
  target.hostHeader = host;
  if (target.port != "80") target.hostHeader += ":" + target.port;
  target.target = url.path;
  if (!url.query.empty()) target.target += "?" + url.query;
  return target;
}

HttpTarget parseHttpTarget(const std::string& url) {
  http::UrlParts parts = http::parseUrl(url);
  if (std::string refusal = fastEngineRefusal(parts); !refusal.empty()) {
    throw std::invalid_argument("engine fast cannot send to '" + http::urlForMessages(url) +
                                "': " + refusal);
  }
  return httpTarget(parts);
}

std::string buildHttpRequest(const LoadSpec& spec, const HttpTarget& target) {
  const std::vector<std::string> headers = requestHeaders(spec);
  // libcurl's test for "the user set this header": the name, any case, then the colon.
  auto named = [](const std::string& header, std::string_view name) {
    return header.size() > name.size() && header[name.size()] == ':' &&
           equalsIgnoreCase(std::string_view(header).substr(0, name.size()), name);
  };
  auto userHeader = [&](std::string_view name) -> const std::string* {
    for (const std::string& header : headers)
      if (named(header, name)) return &header;
    return nullptr;
  };
  const bool post = isPost(spec);
  std::string request;
  request.reserve(256 + spec.body.size());
  request.append(post ? "POST " : "GET ").append(target.target).append(" HTTP/1.1\r\n");
  // A user's Host takes the place of libcurl's own, spelled "Host:" with the user's text after
  // the colon; "Host:" alone sends none.
  if (const std::string* host = userHeader("Host")) {
    if (host->size() > 5) request.append("Host:").append(*host, 5).append("\r\n");
  } else {
    request.append("Host: ").append(target.hostHeader).append("\r\n");
  }
  if (!userHeader("Accept")) request.append("Accept: */*\r\n");
  for (const std::string& header : headers) {
    if (named(header, "Host")) continue;        // placed above
    if (headerValue(header).empty()) continue;  // "Name:" removes the header, as in libcurl
    request.append(header).append("\r\n");
  }
  if (post && !userHeader("Content-Length"))
    request.append("Content-Length: ").append(std::to_string(spec.body.size())).append("\r\n");
  request.append("\r\n").append(spec.body);
  return request;
}

}  // namespace iter8::metrics
