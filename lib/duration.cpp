#include "lib/duration.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

namespace iter8 {
namespace {

// Nanoseconds per unit, longest unit names first so "ms" is not read as "m".
struct Unit {
  std::string_view name;
  double nanos;
};
constexpr Unit kUnits[] = {{"ns", 1},   {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3},
                           {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};

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
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      digits = digits || text[i] != '.';
      ++i;
    }
    if (!digits) return std::nullopt;
    std::string number(text.substr(0, i));
    if (number.find('.') != number.rfind('.')) return std::nullopt;
    double value = std::stod(number);
    text.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.substr(0, u.name.size()) == u.name &&
          (unit == nullptr || u.name.size() > unit->name.size())) {
        unit = &u;
      }
    }
    if (unit == nullptr) return std::nullopt;
    text.remove_prefix(unit->name.size());
    total += value * unit->nanos;
  }
  if (total > static_cast<double>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  auto nanos = static_cast<int64_t>(std::llround(total));
  return std::chrono::nanoseconds(negative ? -nanos : nanos);
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
