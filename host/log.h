// The host's one logger (spdlog). Every log line, the host's and the plugins', goes through it,
// and every line is passed through the secret redactor first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

namespace iter8 {

// The process-wide logger: stderr, one format, level set by setLogLevel. Every message is
// redacted, then its control characters are escaped: one event, one line.
spdlog::logger& logger();

// Every warning this process logged so far, redacted, in order (at most the first 100).
std::vector<std::string> loggedWarnings();

// Adds warnings logged in another process (a task's supervised child, which sends them back
// with its report) to this one's, for the summary. Not logged again.
void rememberWarnings(const std::vector<std::string>& lines);

// Logs one warning line repeating every warning logged so far, here or by the tasks' children
// ("2 warnings: a; b"), so a warning early in a long run is not lost; nothing when there was
// none. A task process that does not return (crash, kill, timeout) takes its warnings along.
void logWarningSummary();

// Parses "trace", "debug", "info", "warning" (or "warn"), "error" (or "fatal", "panic", the
// original's names for its levels above error), in any case. Returns false otherwise.
bool parseLogLevel(std::string_view text, spdlog::level::level_enum& level);
void setLogLevel(spdlog::level::level_enum level);

// Remembers a secret value so that redact() masks it from now on, in every form it may take
// in a message: the value, without its trailing newline, each of its lines, with line breaks
// made spaces or escapes, base64 and URL-encoded. Forms shorter than 4 bytes are not
// remembered (masking "a" would garble every line); such secrets are still never logged on
// purpose.
void registerSecret(std::string_view value);

// `text` with every registered secret value replaced by "******".
std::string redact(std::string_view text);

}  // namespace iter8
