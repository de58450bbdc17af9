// JSON text with numbers spelled as Go's encoding/json spells them, so our results compare
// byte for byte with Fortio's and the Go handler's. RapidJSON's Grisu2 digits are not always
// the closest shortest ones (Fortio writes 0.018000000000000002, RapidJSON
// 0.018000000000000003 for the same double) and it writes integral doubles as "20.0".
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace iter8 {

// Shortest decimal digits that read back as |v| (the closest such, as Go's strconv and Ryu
// pick), and the decimal exponent of the first digit: 0.0185 is {"185", -2}. v != 0, finite.
struct ShortestDigits {
  bool negative = false;
  std::string digits;
  int exponent = 0;
};
ShortestDigits shortestDigits(double v);

// Those digits in fixed notation: "20", "0.018000000000000002".
std::string formatFixed(const ShortestDigits& d);

// Go's strconv shortest digits of a finite double, as json.Marshal writes a float64:
// fixed notation for 1e-6 <= |v| < 1e21 ("20", "0.018000000000000002"), else exponent
// ("1e-7", "1.5e+21"). NaN and Inf (which Go refuses) are written as null.
std::string formatGoJsonNumber(double v);

// Go's fmt %v (and %g) of a float64: the same shortest digits, in exponent form with two
// exponent digits when the decimal exponent is < -4 or >= 6 ("1e+06", "1e-05"), else fixed;
// "NaN", "+Inf", "-Inf" as fmt prints them. For templates and Fortio's text output.
std::string formatGoG(double v);

// Compact JSON text of `value`, numbers as above.
std::string toGoJson(const rapidjson::Value& value);

// Indented JSON text (json.MarshalIndent(v, "", indent spaces)), numbers as above.
std::string toGoPrettyJson(const rapidjson::Value& value, unsigned indent = 2);

}  // namespace iter8
