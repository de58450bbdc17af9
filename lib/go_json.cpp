#include "lib/go_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace iter8 {
namespace {

using Buffer = rapidjson::StringBuffer;

// A RapidJSON writer (compact or pretty) that only changes how doubles are spelled.
// Value::Accept is a template on the handler type, so this Double() is the one it calls.
template <typename Base>
class GoNumberWriter : public Base {
 public:
  using Base::Base;
  bool Double(double d) {
    std::string text = formatGoJsonNumber(d);
    return Base::RawValue(text.data(), text.size(),
                          std::isfinite(d) ? rapidjson::kNumberType : rapidjson::kNullType);
  }
};

using GoWriter = GoNumberWriter<rapidjson::Writer<Buffer>>;
using GoPrettyWriter = GoNumberWriter<rapidjson::PrettyWriter<Buffer>>;

// The digits in strconv's 'e' notation, the exponent written with at least
// `minExponentDigits` digits: 2 as fmt prints it ("1e-07"), 1 after encoding/json's clean-up
// ("1e-7").
std::string formatExponent(const ShortestDigits& d, int minExponentDigits) {
  std::string out = d.negative ? "-" : "";
  out += d.digits[0];
  if (d.digits.size() > 1) out += "." + d.digits.substr(1);
  out += d.exponent < 0 ? "e-" : "e+";
  std::string exponent = std::to_string(std::abs(d.exponent));
  if (exponent.size() < static_cast<size_t>(minExponentDigits)) {
    exponent.insert(0, static_cast<size_t>(minExponentDigits) - exponent.size(), '0');
  }
  return out + exponent;
}

}  // namespace

ShortestDigits shortestDigits(double v) {
  // std::to_chars without a precision gives the shortest digits that read back as v, and
  // the closest of them to v: what Go's strconv (and Ryu) produce.
  char buffer[64];
  auto result =
      std::to_chars(buffer, buffer + sizeof buffer, std::fabs(v), std::chars_format::scientific);
  std::string text(buffer, result.ptr);  // "d[.ddd]e[+-]xx"
  size_t ePos = text.find('e');
  ShortestDigits out;
  out.negative = std::signbit(v);
  out.exponent = std::atoi(text.c_str() + ePos + 1);
  for (size_t i = 0; i < ePos; ++i) {
    if (text[i] != '.') out.digits += text[i];
  }
  while (out.digits.size() > 1 && out.digits.back() == '0') out.digits.pop_back();
  return out;
}

std::string formatFixed(const ShortestDigits& d) {
  std::string out = d.negative ? "-" : "";
  if (d.exponent < 0) {
    return out + "0." + std::string(static_cast<size_t>(-d.exponent - 1), '0') + d.digits;
  }
  auto intDigits = static_cast<size_t>(d.exponent) + 1;
  if (d.digits.size() <= intDigits)
    return out + d.digits + std::string(intDigits - d.digits.size(), '0');
  return out + d.digits.substr(0, intDigits) + "." + d.digits.substr(intDigits);
}

std::string formatGoJsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  ShortestDigits d = shortestDigits(v);
  double magnitude = std::fabs(v);
  // Go's 'e' format with the "e-07" -> "e-7" clean-up of encoding/json.
  if (magnitude < 1e-6 || magnitude >= 1e21) return formatExponent(d, 1);
  return formatFixed(d);
}

std::string formatGoG(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  ShortestDigits d = shortestDigits(v);
  if (d.exponent < -4 || d.exponent >= 6) return formatExponent(d, 2);
  return formatFixed(d);
}

std::string toGoJson(const rapidjson::Value& value) {
  Buffer buffer;
  GoWriter writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string toGoPrettyJson(const rapidjson::Value& value, unsigned indent) {
  Buffer buffer;
  GoPrettyWriter writer(buffer);
  writer.SetIndent(' ', indent);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace iter8
