// strconv.Unquote for the string tokens of lexer.cpp.
#include <cstdint>

#include "host/template/lexer.h"

namespace iter8::template_internal {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void appendUtf8(std::string& out, std::uint32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

std::optional<std::string> unquote(const Token& token) {
  const std::string& text = token.text;
  if (text.size() < 2) return std::nullopt;
  const std::string_view body = std::string_view(text).substr(1, text.size() - 2);
  if (token.kind == TokenKind::kRawString) {
    std::string out;
    for (char c : body) {
      if (c != '\r') out += c;  // Go drops carriage returns from raw strings
    }
    return out;
  }
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    if (++i == body.size()) return std::nullopt;
    const char c = body[i];
    static constexpr std::string_view simple = "abfnrtv\\\"";
    static constexpr std::string_view decoded = "\a\b\f\n\r\t\v\\\"";
    if (const auto at = simple.find(c); at != std::string_view::npos) {
      out += decoded[at];
    } else if (c == 'x' || c == 'u' || c == 'U') {
      const std::size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      if (body.size() - i - 1 < digits) return std::nullopt;
      std::uint32_t value = 0;
      for (std::size_t k = 1; k <= digits; ++k) {
        const int h = hexValue(body[i + k]);
        if (h < 0) return std::nullopt;
        value = value * 16 + static_cast<std::uint32_t>(h);
      }
      i += digits;
      if (c == 'x') {
        out += static_cast<char>(value);
      } else {
        if (value > 0x10FFFF || (value >= 0xD800 && value < 0xE000)) return std::nullopt;
        appendUtf8(out, value);
      }
    } else if (c >= '0' && c <= '7') {
      if (body.size() - i < 3) return std::nullopt;
      std::uint32_t value = 0;
      for (std::size_t k = 0; k < 3; ++k) {
        if (body[i + k] < '0' || body[i + k] > '7') return std::nullopt;
        value = value * 8 + static_cast<std::uint32_t>(body[i + k] - '0');
      }
      if (value > 255) return std::nullopt;
      i += 2;
      out += static_cast<char>(value);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace iter8::template_internal
