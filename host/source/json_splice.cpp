#include "host/source/json_splice.h"

#include <cctype>
#include <cstddef>

#include "lib/json.h"

namespace iter8 {
namespace {

size_t skipSpace(const std::string& s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

// The end of the string starting at the quote s[i] (just past its closing quote), or npos.
size_t stringEnd(const std::string& s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string::npos;
}

// The end of the JSON value starting at s[i] (just past it), or npos. No recursion: brackets
// are counted, so a deeply nested value costs no stack.
size_t valueEnd(const std::string& s, size_t i) {
  if (i >= s.size()) return std::string::npos;
  if (s[i] == '"') return stringEnd(s, i);
  if (s[i] != '{' && s[i] != '[') {
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
           !std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    return i;
  }
  int depth = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '"') {
      i = stringEnd(s, i);
      if (i == std::string::npos) return i;
      --i;
    } else if (s[i] == '{' || s[i] == '[') {
      ++depth;
    } else if ((s[i] == '}' || s[i] == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return std::string::npos;
}

// `text` with every line after the first indented by `indent` spaces.
std::string indented(const std::string& text, size_t indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(indent, ' ');
  }
  return out;
}

// The indentation of the line holding s[i].
size_t lineIndent(const std::string& s, size_t i) {
  size_t start = s.rfind('\n', i);
  start = start == std::string::npos ? 0 : start + 1;
  size_t end = start;
  while (end < s.size() && (s[end] == ' ' || s[end] == '\t')) ++end;
  return end - start;
}

}  // namespace

std::string spliceJsonStatus(const std::string& original, const rapidjson::Value& status) {
  size_t i = skipSpace(original, 0);
  if (i >= original.size() || original[i] != '{') return "";
  const std::string value = toPrettyJson(status);
  size_t lastValueEnd = std::string::npos;
  i = skipSpace(original, i + 1);
  while (i < original.size() && original[i] == '"') {
    const size_t keyStart = i;
    const size_t keyEnd = stringEnd(original, i);
    if (keyEnd == std::string::npos) return "";
    i = skipSpace(original, keyEnd);
    if (i >= original.size() || original[i] != ':') return "";
    const size_t start = skipSpace(original, i + 1);
    const size_t end = valueEnd(original, start);
    if (end == std::string::npos) return "";
    if (original.compare(keyStart, keyEnd - keyStart, "\"status\"") == 0) {
      return original.substr(0, start) + indented(value, lineIndent(original, keyStart)) +
             original.substr(end);
    }
    lastValueEnd = end;
    i = skipSpace(original, end);
    if (i < original.size() && original[i] == ',') i = skipSpace(original, i + 1);
  }
  if (i >= original.size() || original[i] != '}' || lastValueEnd == std::string::npos) return "";
  // No status yet: a member after the last one, indented like the first.
  const size_t indent = lineIndent(original, skipSpace(original, original.find('{') + 1));
  return original.substr(0, lastValueEnd) + ",\n" + std::string(indent, ' ') +
         "\"status\": " + indented(value, indent) + original.substr(lastValueEnd);
}

}  // namespace iter8
