// The API server's warnings (the `Warning` header, RFC 7234 5.5, as Kubernetes sends it since
// 1.19: deprecated APIs, fields a CRD's schema drops, ...). client-go shows them to the user;
// so does the handler, once per distinct text in a process, at warning level.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace iter8::kube {

// The warn-texts of a `Warning` header value: one or more comma-separated
// `code SP agent SP "text" [SP "date"]`, the text a quoted-string with backslash escapes.
// Kubernetes sends code 299 with agent "-"; other codes are returned as well. A malformed
// entry ends the parse (what came before it is kept), since its end cannot be found.
std::vector<std::string> parseWarningHeader(std::string_view value);

// Logs each warn-text of `value` not logged before by this process, naming the call:
// "API server warning (PUT /apis/...): unknown field "status.note"".
void logApiWarnings(std::string_view value, const std::string& method, const std::string& path);

}  // namespace iter8::kube
