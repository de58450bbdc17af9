#include "lib/duration.h"

#include "iter8/duration.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

namespace iter8 {
namespace {

// "1.500000000" -> "1.5": fixed-point digits of `value` (in units of 10^-digits) without
// trailing zeros.
std::string fraction(uint64_t value, int digits, uint64_t unit) {
  std::string text = std::to_string(value / unit);
  uint64_t rest = value % unit;
  if (rest == 0) return text;
  std::string decimals = std::to_string(rest);
  decimals.insert(0, static_cast<size_t>(digits) - decimals.size(), '0');
  while (!decimals.empty() && decimals.back() == '0') decimals.pop_back();
  return text + "." + decimals;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view text) {
  // The SDK's parser: plugins and the host read every duration alike.
  int64_t nanos = 0;
  if (!iter8_parse_go_duration(text.data(), text.size(), &nanos)) return std::nullopt;
  return std::chrono::nanoseconds(nanos);
}

std::string formatGoDuration(std::chrono::nanoseconds duration) {
  int64_t ns = duration.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + fraction(u, 3, 1000) + "\xC2\xB5s";
  if (u < 1000000000) return sign + fraction(u, 6, 1000000) + "ms";
  std::string text;
  uint64_t hours = u / 3600000000000ULL;
  uint64_t minutes = (u / 60000000000ULL) % 60;
  uint64_t secondsNanos = u % 60000000000ULL;
  if (hours > 0) text += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) text += std::to_string(minutes) + "m";
  text += fraction(secondsNanos, 9, 1000000000) + "s";
  return sign + text;
}

}  // namespace iter8
