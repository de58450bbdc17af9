// Go's time.Duration text ("5s", "1m30s", "250ms"), as experiments write durations.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace iter8 {

// Parses a Go duration: an optional sign and a sequence of decimal numbers, each with a unit
// (ns, us, µs, ms, s, m, h), e.g. "1h2m3.5s"; "0" alone is zero. nullopt when malformed.
std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view text);

// Go's Duration.String(): "1m30s", "5s", "1.5s", "250ms", "0s".
std::string formatGoDuration(std::chrono::nanoseconds duration);

}  // namespace iter8
