// The request headers of a load, composed once for both engines so they send the same ones:
// the user's headers in order, the Content-Type of a POST, and "Expect:" (empty: never wait for
// "100 Continue"). A header with an empty value removes that header, as in libcurl.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace iter8::metrics {

struct LoadSpec;

// The name before the colon, trailing blanks dropped.
std::string_view headerName(std::string_view header);
// The value after the colon, leading whitespace (isspace) dropped ("" removes the header).
std::string_view headerValue(std::string_view header);

// Whether the load sends a body (a POST): a body or a content type is set.
bool isPost(const LoadSpec& spec);

// Throws std::invalid_argument naming the header that is not "Name: value" on one line.
void validateHeaders(const std::vector<std::string>& headers);

// "Name: value" lines, in the order they go out.
std::vector<std::string> requestHeaders(const LoadSpec& spec);

}  // namespace iter8::metrics
