#include "host/template/number.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace iter8::template_internal {
namespace {

int digitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Go's underscoreOK: underscores only between digits, or between a base prefix and a digit.
bool underscoresOk(std::string_view s) {
  char saw = '^';
  std::size_t i = 0;
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    if (p == 'b' || p == 'o' || p == 'x') {
      i = 2;
      saw = '0';
      hex = p == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    const char lower = static_cast<char>(s[i] | 0x20);
    if ((s[i] >= '0' && s[i] <= '9') || (hex && lower >= 'a' && lower <= 'f')) {
      saw = '0';
    } else if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
    } else {
      if (saw == '_') return false;
      saw = '!';
    }
  }
  return saw != '_';
}

// strconv.ParseUint(s, 0, 64): a 0x, 0o, 0b or 0 (octal) prefix and underscores as Go allows
// them. nullopt for bad syntax, or with `overflow` set when the digits exceed 64 bits.
std::optional<std::uint64_t> parseUnsigned(std::string_view s, bool& overflow) {
  overflow = false;
  if (!underscoresOk(s)) return std::nullopt;
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  unsigned base = 10;
  std::size_t start = 0;
  if (digits.size() > 1 && digits[0] == '0') {
    const char p = static_cast<char>(digits[1] | 0x20);
    base = p == 'x' ? 16 : p == 'b' ? 2 : 8;
    start = (p == 'x' || p == 'o' || p == 'b') ? 2 : 1;
  }
  if (start >= digits.size()) return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = start; i < digits.size(); ++i) {
    const auto digit = static_cast<unsigned>(digitValue(digits[i]));
    if (digit >= base) return std::nullopt;
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / base) overflow = true;
    value = value * base + digit;
  }
  return overflow ? std::nullopt : std::optional<std::uint64_t>(value);
}

// strconv.ParseFloat for decimal text (hexadecimal floats are flagged as unsupported before).
std::optional<double> parseDecimalFloat(const std::string& text) {
  const std::string_view body = std::string_view(text).substr(text[0] == '+' || text[0] == '-');
  const auto mantissaEnd = body.find_first_of("eE");
  const std::string_view mantissa = body.substr(0, mantissaEnd);
  const std::string_view exponent =
      mantissaEnd == std::string_view::npos ? "" : body.substr(mantissaEnd + 1);
  const std::string_view exponentDigits =
      exponent.substr(!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-') ? 1 : 0);
  const bool validMantissa = mantissa.find_first_of("0123456789") != std::string_view::npos &&
                             mantissa.find_first_not_of("0123456789.") == std::string_view::npos &&
                             std::count(mantissa.begin(), mantissa.end(), '.') <= 1;
  const bool validExponent =
      mantissaEnd == std::string_view::npos ||
      (!exponentDigits.empty() &&
       exponentDigits.find_first_not_of("0123456789") == std::string_view::npos);
  if (!validMantissa || !validExponent) return std::nullopt;
  errno = 0;
  const double value = std::strtod(text.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(value)) return std::nullopt;
  return value;
}

// strconv.UnquoteChar of a whole 'x' constant: the rune, or nullopt.
std::optional<std::int64_t> charValue(const std::string& text, std::string& error) {
  const std::string_view body = std::string_view(text).substr(1, text.size() - 2);
  error = "invalid syntax";
  if (body.empty()) return std::nullopt;
  std::size_t used = 0;
  std::int64_t rune = 0;
  if (body[0] != '\\') {
    rune = decodeRune(body, 0, used);
  } else if (body.size() >= 2 && body[1] == 'x') {
    if (body.size() < 4 || digitValue(body[2]) > 15 || digitValue(body[3]) > 15) {
      return std::nullopt;
    }
    rune = digitValue(body[2]) * 16 + digitValue(body[3]);
    used = 4;
  } else if (body.size() >= 2 && body[1] == '\'') {
    rune = '\'';
    used = 2;
  } else if (body.size() >= 2 && body[1] == '"') {
    return std::nullopt;  // \" is an escape of strings, not of character constants
  } else {
    // The other escapes mean the same in strings: decode the longest escape that parses.
    for (std::size_t length = std::min<std::size_t>(body.size(), 10); length >= 2; --length) {
      Token asString{TokenKind::kString, 0, "\"" + std::string(body.substr(0, length)) + "\""};
      const auto decoded = unquote(asString);
      if (!decoded || decoded->empty()) continue;
      std::size_t width = 0;
      rune = decodeRune(*decoded, 0, width);
      if (width != decoded->size()) continue;
      used = length;
      break;
    }
    if (used == 0) return std::nullopt;
  }
  if (used != body.size()) {
    error = "malformed character constant: " + text;
    return std::nullopt;
  }
  return rune;
}

}  // namespace

std::optional<Number> parseNumber(const Token& token, std::string& error) {
  const std::string& text = token.text;
  Number number;
  if (token.kind == TokenKind::kCharConstant) {
    const auto rune = charValue(text, error);
    if (!rune) return std::nullopt;
    number.isInt = number.isUint = number.isFloat = true;
    number.intValue = *rune;
    number.floatValue = static_cast<double>(*rune);
    return number;
  }
  const bool hexFloat = text.find_first_of("pP") != std::string::npos &&
                        text.find_first_of("xX") != std::string::npos;
  if (token.kind == TokenKind::kComplex || text.back() == 'i' || hexFloat) {
    number.unsupported = "unsupported " +
                         std::string(hexFloat ? "hexadecimal float" : "complex constant") + " " +
                         goQuote(text);
    return number;
  }
  const bool negative = text[0] == '-';
  const std::string_view magnitude = std::string_view(text).substr(text[0] == '+' || negative);
  bool overflow = false;
  const auto unsignedValue = parseUnsigned(magnitude, overflow);
  if (unsignedValue) {
    if (!negative && text[0] != '+') number.isUint = true;
    const std::uint64_t limit =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0);
    if (*unsignedValue <= limit) {
      number.isInt = true;
      number.intValue = negative ? static_cast<std::int64_t>(0 - *unsignedValue)
                                 : static_cast<std::int64_t>(*unsignedValue);
      if (number.intValue == 0) number.isUint = true;  // "-0"
    }
    number.isFloat = true;
    number.floatValue =
        number.isInt ? static_cast<double>(number.intValue) : static_cast<double>(*unsignedValue);
    return number;
  }
  const auto floatValue = overflow ? std::nullopt : parseDecimalFloat(text);
  if (!floatValue) {
    error = (overflow ? "integer overflow: " : "illegal number syntax: ") + goQuote(text);
    return std::nullopt;
  }
  if (text.find_first_of(".eE") == std::string::npos) {
    error = "integer overflow: " + goQuote(text);
    return std::nullopt;
  }
  number.isFloat = true;
  number.floatValue = *floatValue;
  if (std::abs(*floatValue) < 9.2e18 && std::trunc(*floatValue) == *floatValue) {
    number.isInt = true;
    number.intValue = static_cast<std::int64_t>(*floatValue);
    if (*floatValue >= 0) number.isUint = true;
  }
  return number;
}

}  // namespace iter8::template_internal
