#include "plugins/metrics/loadgen/request_headers.h"

#include <cctype>
#include <stdexcept>

#include "lib/text.h"
#include "plugins/metrics/loadgen/load_generator.h"

namespace iter8::metrics {
std::string_view headerName(std::string_view header) {
  std::string_view name = header.substr(0, header.find(':'));
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  return name;
}

std::string_view headerValue(std::string_view header) {
  size_t colon = header.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view value = header.substr(colon + 1);
  // libcurl skips every isspace() byte here, so a value of only "\v" counts as empty.
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  return value;
}

bool isPost(const LoadSpec& spec) {
  return !spec.body.empty() || !spec.contentType.empty();
}

void validateHeaders(const std::vector<std::string>& headers) {
  for (const std::string& header : headers) {
    if (header.find(':') == std::string::npos || headerName(header).empty())
      throw std::invalid_argument("header '" + header + "' is not 'Name: value'");
    if (header.find_first_of("\r\n") != std::string::npos)
      throw std::invalid_argument("header '" + header + "' contains a line break");
  }
}

std::vector<std::string> requestHeaders(const LoadSpec& spec) {
  std::vector<std::string> headers;
  bool userContentType = false;
  for (const std::string& header : spec.headers) {
    bool isContentType = equalsIgnoreCase(headerName(header), "Content-Type");
    if (isContentType && !spec.contentType.empty()) continue;  // the explicit field wins
    userContentType = userContentType || isContentType;
    headers.push_back(header);
  }
  if (isPost(spec) && !userContentType) {
    headers.push_back("Content-Type: " +
                      (spec.contentType.empty() ? "application/octet-stream" : spec.contentType));
  }
  headers.push_back("Expect:");
  return headers;
}

}  // namespace iter8::metrics
