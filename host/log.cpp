#include "host/log.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/base_sink.h>

#include "lib/base64.h"
#include "lib/text.h"

namespace iter8 {
namespace {

std::mutex& secretsMutex() {
  static std::mutex mutex;
  return mutex;
}

std::vector<std::string>& secrets() {
  static std::vector<std::string> values;
  return values;
}

// Warnings logged by this process, as logged (redacted, one line), for the closing summary.
// Bounded: a task that warns in a loop must not grow the handler without limit.
constexpr std::size_t kMaxRememberedWarnings = 100;
std::mutex& warningsMutex() {
  static std::mutex mutex;
  return mutex;
}
std::vector<std::string>& warnings() {
  static std::vector<std::string> lines;
  return lines;
}
void rememberWarning(const std::string& text) {
  std::lock_guard<std::mutex> lock(warningsMutex());
  if (warnings().size() < kMaxRememberedWarnings) warnings().push_back(text);
}

// Colour on a terminal only (spdlog's automatic mode), and never with NO_COLOR set to anything
// but "" (https://no-color.org), as `report` does.
spdlog::color_mode colourMode() {
  const char* noColor = std::getenv("NO_COLOR");
  return noColor != nullptr && *noColor != '\0' ? spdlog::color_mode::never
                                                : spdlog::color_mode::automatic;
}

// A sink that redacts secrets from the message and then escapes control characters before
// handing it to stderr, so no caller (host or plugin) can put a known secret into the log by
// mistake, and no value (an action name, a plugin's message) can forge a second log line.
class RedactingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RedactingSink()
      : target_(std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>(colourMode())) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text =
        escapeControl(redact(std::string_view(msg.payload.data(), msg.payload.size())));
    if (msg.level == spdlog::level::warn) rememberWarning(text);
    spdlog::details::log_msg copy(msg.time, msg.source, msg.logger_name, msg.level, text);
    target_->log(copy);
  }
  void flush_() override { target_->flush(); }
  void set_pattern_(const std::string& pattern) override { target_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    target_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::ansicolor_stderr_sink_mt> target_;
};

}  // namespace

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto created = std::make_shared<spdlog::logger>("iter8", std::make_shared<RedactingSink>());
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ %v");
    created->set_level(spdlog::level::info);
    created->flush_on(spdlog::level::trace);
    return created;
  }();
  return *instance;
}

std::vector<std::string> loggedWarnings() {
  std::lock_guard<std::mutex> lock(warningsMutex());
  return warnings();
}

void rememberWarnings(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) rememberWarning(line);
}

void logWarningSummary() {
  std::vector<std::string> lines = loggedWarnings();
  if (lines.empty()) return;
  std::string text =
      std::to_string(lines.size()) + (lines.size() == 1 ? " warning: " : " warnings: ");
  for (std::size_t i = 0; i < lines.size(); ++i) text += (i == 0 ? "" : "; ") + lines[i];
  if (lines.size() == kMaxRememberedWarnings) text += "; and maybe more (the first 100 are listed)";
  logger().warn("{}", text);
}

bool parseLogLevel(std::string_view given, spdlog::level::level_enum& level) {
  // logrus.ParseLevel, which the original used: any case, and its panic and fatal levels.
  std::string text = asciiLower(given);
  if (text == "trace")
    level = spdlog::level::trace;
  else if (text == "debug")
    level = spdlog::level::debug;
  else if (text == "info")
    level = spdlog::level::info;
  else if (text == "warning" || text == "warn")
    level = spdlog::level::warn;
  else if (text == "error" || text == "fatal" || text == "panic")
    level = spdlog::level::err;
  else
    return false;
  return true;
}

void setLogLevel(spdlog::level::level_enum level) {
  logger().set_level(level);
}

namespace {

// Every form in which `value` may reach a message: as is, without the trailing newline that
// `kubectl create secret --from-file` keeps, each line of a multi-line value, with its line
// breaks turned into spaces or escapes (as messages are made one-line), base64 and
// URL-encoded. Forms shorter than 4 bytes are left out (masking "a" would garble every line).
std::vector<std::string> formsOf(std::string_view value) {
  std::vector<std::string> forms;
  auto add = [&](std::string form) {
    if (form.size() >= 4) forms.push_back(std::move(form));
  };
  std::string_view trimmed = value;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r'))
    trimmed.remove_suffix(1);
  for (std::string_view v : {value, trimmed}) {
    add(std::string(v));
    add(encodeBase64(v));
    add(percentEncode(v));
    add(percentEncode(v, true));
    add(escapeControl(v));
    std::string spaced(v);
    for (char& c : spaced) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    add(spaced);
  }
  for (size_t start = 0; start < value.size();) {
    size_t end = value.find('\n', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view line = value.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    add(std::string(line));
    add(escapeControl(line));
    start = end + 1;
  }
  return forms;
}

}  // namespace

void registerSecret(std::string_view value) {
  std::vector<std::string> forms = formsOf(value);
  if (forms.empty()) return;
  std::lock_guard<std::mutex> lock(secretsMutex());
  auto& values = secrets();
  for (auto& form : forms) {
    if (std::find(values.begin(), values.end(), form) == values.end())
      values.push_back(std::move(form));
  }
  // Longest first, so a secret that contains another is masked whole.
  std::sort(values.begin(), values.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
  std::string result(text);
  std::lock_guard<std::mutex> lock(secretsMutex());
  for (const auto& secret : secrets()) {
    for (size_t pos = result.find(secret); pos != std::string::npos;
         pos = result.find(secret, pos + 6)) {
      result.replace(pos, secret.size(), "******");
    }
  }
  return result;
}

}  // namespace iter8
