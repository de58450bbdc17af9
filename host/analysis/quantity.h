// How Iter8's values travel: Python's float repr (analytics' convert_to_quantity) and the
// Kubernetes resource.Quantity that etc3 stores (apimachinery ParseQuantity, then MarshalJSON),
// so "27.325311665834313" is stored as "27325311666n" exactly as the controller stores it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace iter8::analysis {

// Python 3 repr(float): the shortest digits that read back to `v`, fixed notation for
// exponents -5 < e < 16 ("30.0", "0.0001"), else scientific ("1e-05", "1.5e+16").
std::string pythonFloatRepr(double v);

// A parsed Kubernetes quantity: its canonical text (what etc3 writes back) and its value as
// a double (what analytics computes with, via Decimal -> float). Binary suffixes (Ki, Mi, ...)
// are accepted; their canonical text is the decimal one (the handler never stores them).
struct Quantity {
  std::string canonical;
  double value = 0;
  bool negative = false;
};

// Parses `text` with ParseQuantity's grammar: [+-]digits[.digits][suffix], the suffix one of
// n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e/E followed by a signed integer. Values are rounded
// up (away from zero) to 1e-9 as Go does. Nothing when `text` is not a quantity.
std::optional<Quantity> parseQuantity(const std::string& text);

// The stored form of an analytics value: an integer (a JSON number in the reply) or a float
// (its repr string in the reply), each through parseQuantity's canonical form.
std::string integerQuantity(int64_t v);
std::string floatQuantity(double v);

}  // namespace iter8::analysis
