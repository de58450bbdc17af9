#include "host/runner/iter8log.h"

#include <cstdint>
#include <cstdio>

#include "lib/json.h"

namespace iter8 {
namespace {

constexpr int kDefaultIterationsPerLoop = 15;  // etc3's v2alpha2.DefaultIterationsPerLoop

const rapidjson::Value* at(const rapidjson::Value& root, const char* a, const char* b) {
  const rapidjson::Value* first = findMember(root, a);
  return first != nullptr ? findMember(*first, b) : nullptr;
}

std::string stringAt(const rapidjson::Value& root, const char* a, const char* b) {
  const rapidjson::Value* value = at(root, a, b);
  return value != nullptr && value->IsString() ? value->GetString() : "";
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8.
std::size_t utf8Length(const std::string& text, std::size_t i, std::uint32_t& codepoint) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::size_t length = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  codepoint = c & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    codepoint = (codepoint << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (length == 3 && codepoint < 0x800) || (length == 4 && codepoint < 0x10000);
  if (overlong || codepoint > 0x10FFFF || (codepoint >= 0xD800 && codepoint <= 0xDFFF)) return 0;
  return length;
}

// A JSON string literal as Go's encoding/json writes one (HTML-safe escaping, invalid UTF-8
// replaced by U+FFFD).
std::string goJsonString(const std::string& text) {
  std::string out = "\"";
  char buffer[8];
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
        out += buffer;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    std::uint32_t codepoint = 0;
    std::size_t length = utf8Length(text, i, codepoint);
    if (length == 0) {
      out += "\\ufffd";
      ++i;
    } else if (codepoint == 0x2028 || codepoint == 0x2029) {
      std::snprintf(buffer, sizeof buffer, "\\u%04x", codepoint);
      out += buffer;
      i += length;
    } else {
      out.append(text, i, length);
      i += length;
    }
  }
  return out + "\"";
}

}  // namespace

int iter8LogPrecedence(const rapidjson::Value& experiment, const std::string& action) {
  if (action == "start") return 0;
  long long perLoop = kDefaultIterationsPerLoop;
  if (const rapidjson::Value* v = at(experiment, "spec", "duration")) {
    const rapidjson::Value* ipl = findMember(*v, "iterationsPerLoop");
    if (ipl != nullptr && ipl->IsInt64() && ipl->GetInt64() > 0) perLoop = ipl->GetInt64();
  }
  long long completed = 0;
  const rapidjson::Value* done = at(experiment, "status", "completedIterations");
  if (done != nullptr && done->IsInt64()) completed = done->GetInt64();
  return static_cast<int>(completed / perLoop + 1);
}

std::string iter8LogLine(const rapidjson::Value& experiment, const std::string& action,
                         const std::string& message, int priority) {
  return "{\"isIter8Log\":true,\"experimentName\":" +
         goJsonString(stringAt(experiment, "metadata", "name")) +
         ",\"experimentNamespace\":" + goJsonString(stringAt(experiment, "metadata", "namespace")) +
         ",\"source\":\"task-runner\",\"priority\":" + std::to_string(priority) +
         ",\"message\":" + goJsonString(message) +
         ",\"precedence\":" + std::to_string(iter8LogPrecedence(experiment, action)) + "}";
}

void printIter8Log(const rapidjson::Value& experiment, const std::string& action,
                   const std::string& message, int priority) {
  const std::string line = iter8LogLine(experiment, action, message, priority) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace iter8
