// iter8/internal/text.hpp: byte copies at the ABI boundary, shared by the SDK's C++ headers.
// Internal: not part of the SDK's contract; names here may change in any release.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace iter8::sdk::internal {

// Copies `message` into a caller-owned buffer, truncating and always NUL-terminating.
inline void copyMessage(char* buffer, size_t size, std::string_view message) {
  if (buffer == nullptr || size == 0) return;
  size_t n = message.size() < size - 1 ? message.size() : size - 1;
  std::memcpy(buffer, message.data(), n);
  buffer[n] = '\0';
}

// An iter8_sink that stores what the host delivers into the std::string at `ctx`.
inline void appendToString(void* ctx, const char* data, size_t size) {
  static_cast<std::string*>(ctx)->assign(data, size);
}

}  // namespace iter8::sdk::internal
