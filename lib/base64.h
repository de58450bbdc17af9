// Base64 (RFC 4648, standard alphabet) as Kubernetes uses it for Secret data.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace iter8 {

// Decodes `text` (padding optional, whitespace ignored); nullopt when it is not base64.
std::optional<std::string> decodeBase64(std::string_view text);

std::string encodeBase64(std::string_view bytes);

}  // namespace iter8
