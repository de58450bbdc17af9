/*
 * iter8/duration.h: Go's time.ParseDuration for plugins (header-only, C11 and C++17).
 *
 * Experiments write durations as Go does ("5s", "1m30s", "250ms", "1.5h"), and the handler
 * parses them with this very function (lib/duration.cpp calls it), so a plugin reads a duration
 * input exactly as the host and the shipped tasks do.
 *
 *   int64_t nanos;
 *   if (!iter8_parse_go_duration(text, strlen(text), &nanos)) ... "expected a Go duration"
 *
 * The grammar is Go's: an optional sign, then one or more decimal numbers each followed by a
 * unit (ns, us, µs (U+00B5 or U+03BC), ms, s, m, h), e.g. "-1h2m3.5s"; "0" alone is zero; a
 * number may omit digits before or after its point (".5s", "5.s") but not both. Out-of-range
 * values (beyond about 292 years) are refused, as Go refuses them, and a fraction is converted
 * as Go converts it, so every answer is Go's.
 */
#ifndef ITER8_DURATION_H
#define ITER8_DURATION_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses `length` bytes of `text`. On success stores the duration in nanoseconds in `*nanos`
 * and returns 1; returns 0 (leaving `*nanos` alone) when the text is not a Go duration. */
static inline int iter8_parse_go_duration(const char* text, size_t length, int64_t* nanos) {
  static const struct {
    const char* name;
    size_t size;
    uint64_t nanos;
  } units[] = {{"ns", 2, 1ULL},           {"us", 2, 1000ULL},
               {"\xC2\xB5s", 3, 1000ULL}, /* U+00B5 micro sign */
               {"\xCE\xBCs", 3, 1000ULL}, /* U+03BC Greek mu */
               {"ms", 2, 1000000ULL},     {"s", 1, 1000000000ULL},
               {"m", 1, 60000000000ULL},  {"h", 1, 3600000000000ULL}};
  const uint64_t limit = 1ULL << 63; /* Go's bound: |d| <= 1<<63 (negative), < for positive */
  const char* s = text;
  const char* end = text + length;
  uint64_t total = 0;
  int negative = 0;
  if (s == NULL) return 0;
  if (s != end && (*s == '-' || *s == '+')) {
    negative = *s == '-';
    ++s;
  }
  if (end - s == 1 && *s == '0') {
    *nanos = 0;
    return 1;
  }
  if (s == end) return 0;
  while (s != end) {
    uint64_t whole = 0, fraction = 0;
    double scale = 1;
    int pre = 0, post = 0, fraction_overflow = 0;
    const char* unit_start;
    size_t unit_size, u;
    uint64_t unit = 0;
    if (!(*s == '.' || (*s >= '0' && *s <= '9'))) return 0;
    for (; s != end && *s >= '0' && *s <= '9'; ++s) { /* Go's leadingInt */
      if (whole > limit / 10) return 0;
      whole = whole * 10 + (uint64_t)(*s - '0');
      if (whole > limit) return 0;
      pre = 1;
    }
    if (s != end && *s == '.') { /* Go's leadingFraction: extra digits are dropped */
      ++s;
      for (; s != end && *s >= '0' && *s <= '9'; ++s) {
        uint64_t next;
        post = 1;
        if (fraction_overflow) continue;
        if (fraction > (limit - 1) / 10) {
          fraction_overflow = 1;
          continue;
        }
        next = fraction * 10 + (uint64_t)(*s - '0');
        if (next > limit) {
          fraction_overflow = 1;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
    }
    if (!pre && !post) return 0; /* "." or ".s" */
    unit_start = s;
    while (s != end && *s != '.' && !(*s >= '0' && *s <= '9')) ++s;
    unit_size = (size_t)(s - unit_start);
    if (unit_size == 0) return 0; /* a number without its unit */
    for (u = 0; u < sizeof units / sizeof units[0]; ++u) {
      if (units[u].size == unit_size && memcmp(units[u].name, unit_start, unit_size) == 0) {
        unit = units[u].nanos;
        break;
      }
    }
    if (unit == 0) return 0; /* unknown unit */
    if (whole > limit / unit) return 0;
    whole *= unit;
    if (fraction > 0) {
      /* As Go: float64(f) * (float64(unit) / scale), truncated. */
      whole += (uint64_t)((double)fraction * ((double)unit / scale));
      if (whole > limit) return 0;
    }
    total += whole;
    if (total > limit) return 0;
  }
  if (negative) {
    *nanos = total == limit ? INT64_MIN : -(int64_t)total;
    return 1;
  }
  if (total > limit - 1) return 0;
  *nanos = (int64_t)total;
  return 1;
}

#ifdef __cplusplus
} /* extern "C" */

#include <chrono>
#include <optional>
#include <string_view>

namespace iter8::sdk {

// The C++ face of iter8_parse_go_duration: nullopt when `text` is not a Go duration.
inline std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view text) {
  int64_t nanos = 0;
  if (!iter8_parse_go_duration(text.data(), text.size(), &nanos)) return std::nullopt;
  return std::chrono::nanoseconds(nanos);
}

}  // namespace iter8::sdk
#endif

#endif /* ITER8_DURATION_H */
