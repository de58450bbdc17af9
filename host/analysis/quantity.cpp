#include "host/analysis/quantity.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

namespace iter8::analysis {
namespace {

// value = digits * 10^exponent, digits without leading zeros ("" is zero).
struct Decimal {
  std::string digits;
  int exponent = 0;
};

Decimal normalized(std::string digits, int exponent) {
  size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "" : digits.substr(first);
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  return {digits, exponent};
}

// Adds one unit in the last place of a digit string ("199" -> "200", "99" -> "100").
std::string incremented(std::string digits) {
  int i = static_cast<int>(digits.size()) - 1;
  while (i >= 0 && digits[i] == '9') digits[i--] = '0';
  if (i < 0) return "1" + digits;
  ++digits[i];
  return digits;
}

// Go's `amount.Round(amount, 9, inf.RoundUp)`: drop digits below 1e-9, adding one unit at 1e-9
// when any dropped digit is not zero.
Decimal roundUpToNano(Decimal d) {
  if (d.digits.empty() || d.exponent >= -9) return d;
  size_t drop = static_cast<size_t>(-9 - d.exponent);
  if (drop >= d.digits.size()) return normalized("1", -9);
  std::string kept = d.digits.substr(0, d.digits.size() - drop);
  bool rest = d.digits.find_first_not_of('0', kept.size()) != std::string::npos;
  return normalized(rest ? incremented(kept) : kept, -9);
}

// CanonicalizeBytes for DecimalSI and DecimalExponent: an integer mantissa and an exponent
// that is a multiple of 3, written with an SI suffix (or e<exp>).
std::string canonicalText(Decimal d, bool negative, bool exponentFormat) {
  if (d.digits.empty()) return "0";
  while (d.exponent % 3 != 0) {
    d.digits += '0';
    --d.exponent;
  }
  static const std::map<int, const char*> kSuffix = {{-9, "n"}, {-6, "u"}, {-3, "m"}, {0, ""},
                                                     {3, "k"},  {6, "M"},  {9, "G"},  {12, "T"},
                                                     {15, "P"}, {18, "E"}};
  std::string suffix;
  if (d.exponent != 0 && (exponentFormat || kSuffix.count(d.exponent) == 0)) {
    suffix = "e" + std::to_string(d.exponent);
  } else {
    suffix = kSuffix.at(d.exponent);
  }
  return (negative ? "-" : "") + d.digits + suffix;
}

struct Suffix {
  int base = 10;  // 10 or 2
  int exponent = 0;
  bool exponentFormat = false;
};

std::optional<Suffix> suffixOf(const std::string& s) {
  static const std::map<std::string, Suffix> kKnown = {
      {"", {10, 0}},   {"n", {10, -9}}, {"u", {10, -6}}, {"m", {10, -3}},
      {"k", {10, 3}},  {"M", {10, 6}},  {"G", {10, 9}},  {"T", {10, 12}},
      {"P", {10, 15}}, {"E", {10, 18}}, {"Ki", {2, 10}}, {"Mi", {2, 20}},
      {"Gi", {2, 30}}, {"Ti", {2, 40}}, {"Pi", {2, 50}}, {"Ei", {2, 60}}};
  if (auto it = kKnown.find(s); it != kKnown.end()) return it->second;
  if (s.size() < 2 || (s[0] != 'e' && s[0] != 'E')) return std::nullopt;
  size_t i = (s[1] == '+' || s[1] == '-') ? 2 : 1;
  if (i >= s.size() || s.size() - i > 6 || s.find_first_not_of("0123456789", i) != s.npos) {
    return std::nullopt;
  }
  return Suffix{10, std::atoi(s.c_str() + 1), true};
}

// ParseQuantity's fast path keeps the text as written when it is already canonical: at most
// 18 digits, a scale that is a multiple of 3 and >= -9, no "000" at the end, no leading 0.
bool keptVerbatim(const std::string& num, const std::string& denom, int exponent) {
  if (num.size() + denom.size() > 18) return false;
  int scale = exponent - static_cast<int>(denom.size());
  std::string shifted = num + denom;
  bool endsIn000 = shifted.size() >= 3 && shifted.compare(shifted.size() - 3, 3, "000") == 0;
  return scale >= -9 && scale % 3 == 0 && !endsIn000 && shifted[0] != '0';
}

}  // namespace

std::string pythonFloatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr;
  std::string sci(buf, end);  // "-d.ddde+XX"
  bool negative = sci[0] == '-';
  size_t e = sci.find('e');
  std::string digits;
  for (size_t i = negative ? 1 : 0; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  int exponent = std::atoi(sci.c_str() + e + 1);
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp;
  }
  if (exponent < 0) return out + "0." + std::string(-exponent - 1, '0') + digits;
  if (static_cast<int>(digits.size()) <= exponent + 1) {
    return out + digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
  }
  return out + digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
}

std::optional<Quantity> parseQuantity(const std::string& text) {
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) negative = text[pos++] == '-';
  size_t numEnd = text.find_first_not_of("0123456789", pos);
  std::string num = text.substr(pos, numEnd == text.npos ? text.npos : numEnd - pos);
  std::string denom;
  pos = numEnd == text.npos ? text.size() : numEnd;
  if (pos < text.size() && text[pos] == '.') {
    size_t denomEnd = text.find_first_not_of("0123456789", pos + 1);
    denom = text.substr(pos + 1, denomEnd == text.npos ? text.npos : denomEnd - pos - 1);
    pos = denomEnd == text.npos ? text.size() : denomEnd;
  }
  if (num.empty() && denom.empty()) return std::nullopt;
  if (num.empty()) num = "0";
  std::optional<Suffix> suffix = suffixOf(text.substr(pos));
  if (!suffix) return std::nullopt;

  Quantity q;
  Decimal d = normalized(num + denom, -static_cast<int>(denom.size()));
  q.negative = negative && !d.digits.empty();
  if (suffix->base == 2) {
    q.value = std::strtod((num + "." + denom).c_str(), nullptr) * std::ldexp(1.0, suffix->exponent);
    if (q.negative) q.value = -q.value;
    std::string fixed = pythonFloatRepr(std::abs(q.value));  // the handler never stores these
    q.canonical = (q.negative ? "-" : "") + fixed;
    return q;
  }
  d.exponent += suffix->exponent;
  d = roundUpToNano(d);
  std::string exact = (d.digits.empty() ? "0" : d.digits) + "e" + std::to_string(d.exponent);
  q.value = std::strtod(exact.c_str(), nullptr);  // correctly rounded, as float(Decimal)
  if (q.negative) q.value = -q.value;
  q.canonical = keptVerbatim(num, denom, suffix->exponent) && !d.digits.empty()
                    ? text
                    : canonicalText(d, q.negative, suffix->exponentFormat);
  return q;
}

std::string integerQuantity(int64_t v) {
  return parseQuantity(std::to_string(v))->canonical;
}

std::string floatQuantity(double v) {
  return parseQuantity(pythonFloatRepr(v))->canonical;
}

}  // namespace iter8::analysis
