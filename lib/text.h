// Text hygiene for anything that reaches a log line, an error message or the termination log:
// UTF-8 checks, escaping of control characters and shortening of long names. Operators read
// these lines one per event, so no value may break a line or hide the reason behind a name.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iter8 {

// Byte offset of the first byte that does not start or continue a valid UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF count as invalid); nullopt when
// the whole text is valid.
std::optional<size_t> firstInvalidUtf8(std::string_view text);

// `text` with C0 control characters, DEL and bytes that are not valid UTF-8 written as
// escapes (\n, \r, \t, \xNN), so a value can never start a new log line or corrupt one.
std::string escapeControl(std::string_view text);

// `text` cut to at most `maxBytes` bytes on a UTF-8 boundary.
std::string truncateUtf8(std::string_view text, size_t maxBytes);

// A name fit for a message: at most `maxBytes` bytes, longer names cut with a note of how
// long they were ("aaaa…(200000 bytes)"), so the reason after the name stays readable.
std::string shortenName(std::string_view name, size_t maxBytes = 120);

// A value a person or the environment gave, fit to echo in a one-line message: in single
// quotes, shortened as shortenName does and with control characters escaped, so a 100 KB
// LOG_LEVEL or a newline in --task-timeout can neither flood nor forge a log line.
std::string quoteValue(std::string_view value, size_t maxBytes = 120);

// `text` safe inside HTML text and attribute values, as Go's html.EscapeString / template
// `html` function writes it: " ' & < > as &#34; &#39; &amp; &lt; &gt;, NUL as U+FFFD.
std::string escapeHtml(std::string_view text);

// RFC 3986 percent-encoding of every byte outside the unreserved set (A-Z a-z 0-9 - . _ ~),
// upper-case hex, as url.QueryEscape-like encoders produce it; `spaceAsPlus` writes ' ' as '+'.
std::string percentEncode(std::string_view bytes, bool spaceAsPlus = false);

// Whether `a` and `b` are equal ignoring ASCII case (HTTP header names, URL schemes).
bool equalsIgnoreCase(std::string_view a, std::string_view b);

// `text` with A-Z turned into a-z; other bytes unchanged.
std::string asciiLower(std::string_view text);

// `text`'s words in lines of at most `width` characters; a longer word is cut. Always at least
// one line (empty for empty text). For text tables (plugins describe, the report's legend).
std::vector<std::string> wrapWords(const std::string& text, size_t width);

}  // namespace iter8
