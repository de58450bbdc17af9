#include "host/source/kube/api_warnings.h"

#include <mutex>
#include <set>

#include "host/log.h"
#include "lib/text.h"

namespace iter8::kube {
namespace {

void skipSpaces(std::string_view text, size_t& at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
}

// A token up to the next space: the code or the agent. False when none is there.
bool token(std::string_view text, size_t& at) {
  const size_t start = at;
  while (at < text.size() && text[at] != ' ' && text[at] != '\t' && text[at] != ',') ++at;
  return at > start;
}

// A quoted-string at `at` into `out`, unescaped. False when there is none or it never ends.
bool quoted(std::string_view text, size_t& at, std::string& out) {
  if (at >= text.size() || text[at] != '"') return false;
  for (++at; at < text.size(); ++at) {
    if (text[at] == '\\' && at + 1 < text.size()) {
      out += text[++at];
    } else if (text[at] == '"') {
      ++at;
      return true;
    } else {
      out += text[at];
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> parseWarningHeader(std::string_view value) {
  std::vector<std::string> texts;
  size_t at = 0;
  for (;;) {
    skipSpaces(value, at);
    if (at >= value.size()) break;
    std::string text;
    if (!token(value, at)) break;  // the code
    skipSpaces(value, at);
    if (!token(value, at)) break;  // the agent
    skipSpaces(value, at);
    if (!quoted(value, at, text)) break;
    texts.push_back(std::move(text));
    skipSpaces(value, at);
    std::string date;
    if (at < value.size() && value[at] == '"' && !quoted(value, at, date)) break;
    skipSpaces(value, at);
    if (at >= value.size() || value[at] != ',') break;
    ++at;
  }
  return texts;
}

void logApiWarnings(std::string_view value, const std::string& method, const std::string& path) {
  static std::mutex mutex;
  static std::set<std::string> logged;
  for (const std::string& text : parseWarningHeader(value)) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!logged.insert(text).second) continue;
    }
    logger().warn("API server warning ({} {}): {}", method, path, quoteValue(text, 400));
  }
}

}  // namespace iter8::kube
