// Standard base64 (RFC 4648 section 4, with padding), as Kubernetes uses it for Secret data
// and kubeconfig *-data fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace iter8::kube {

// Decodes `text`; whitespace and line breaks are skipped. std::nullopt when it is not base64.
std::optional<std::string> base64Decode(std::string_view text);

std::string base64Encode(std::string_view bytes);

}  // namespace iter8::kube
