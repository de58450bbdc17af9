#include "lib/yaml.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "lib/go_json.h"

namespace iter8 {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

bool isNullText(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool parseBool(const std::string& s, bool& out) {
  if (s == "true" || s == "True" || s == "TRUE") return out = true, true;
  if (s == "false" || s == "False" || s == "FALSE") return out = false, true;
  return false;
}

// Hand-written scanners, not std::regex: libstdc++'s regex recurses once per character and
// overflows the stack on a long scalar (a 100,000-digit number crashed the handler).
size_t skipSign(const std::string& s) {
  return !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
}

size_t skipDigits(const std::string& s, size_t i) {
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i;
}

// [-+]?[0-9]+
bool isDecimal(const std::string& s) {
  size_t start = skipSign(s);
  size_t end = skipDigits(s, start);
  return end > start && end == s.size();
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool isYamlFloat(const std::string& s) {
  size_t i = skipSign(s);
  if (i < s.size() && s[i] == '.') {
    size_t end = skipDigits(s, i + 1);
    if (end == i + 1) return false;
    i = end;
  } else {
    size_t end = skipDigits(s, i);
    if (end == i) return false;
    i = end;
    if (i < s.size() && s[i] == '.') i = skipDigits(s, i + 1);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t exponent = i + 1;
    if (exponent < s.size() && (s[exponent] == '-' || s[exponent] == '+')) ++exponent;
    size_t end = skipDigits(s, exponent);
    if (end == exponent) return false;
    i = end;
  }
  return i == s.size();
}

bool parseInteger(const std::string& s, int64_t& out) {
  if (!isDecimal(s)) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE) return false;
  out = v;
  return true;
}

bool parseFloat(const std::string& s, double& out) {
  if (isYamlFloat(s)) {
    out = std::strtod(s.c_str(), nullptr);
    return true;
  }
  if (s == ".inf" || s == "+.inf" || s == ".Inf" || s == "+.Inf") return out = HUGE_VAL, true;
  if (s == "-.inf" || s == "-.Inf") return out = -HUGE_VAL, true;
  return false;
}

// Limits that keep hostile input from exhausting the stack or memory: a recursive alias
// (`a: &x {b: *x}`) would recurse forever, and nested aliases ("billion laughs") multiply.
constexpr int kMaxDepth = kYamlMaxDepth;
constexpr long kMaxNodes = kYamlMaxValues;

struct Budget {
  long nodes = 0;
};

const std::string& checkedScalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (text.size() > kYamlMaxScalarBytes) {
    throw YamlError("a string at line " + std::to_string(node.Mark().line + 1) + " is " +
                    std::to_string(text.size()) + " bytes; the limit is " +
                    std::to_string(kYamlMaxScalarBytes) + " bytes per string");
  }
  return text;
}

void convert(const YAML::Node& node, rapidjson::Value& out, Allocator& allocator, int depth,
             Budget& budget);

// A mapping as an object. Repeated keys are found through a hash index, not FindMember (linear
// per key: a map of 100,000 keys took minutes); the last one wins, as in Go's yaml.
void convertMap(const YAML::Node& node, rapidjson::Value& out, Allocator& allocator, int depth,
                Budget& budget) {
  out.SetObject();
  std::unordered_map<std::string, rapidjson::SizeType> index;
  static const std::string kNullKey = "null";  // `~: x`, as yaml-cpp's as<string> reads it
  for (const auto& entry : node) {
    if (!entry.first.IsNull() && !entry.first.IsScalar()) {
      throw YamlError("a mapping key at line " + std::to_string(entry.first.Mark().line + 1) +
                      " is not a scalar; expected a plain or quoted key");
    }
    const std::string& key = entry.first.IsNull() ? kNullKey : checkedScalar(entry.first);
    rapidjson::Value value;
    convert(entry.second, value, allocator, depth + 1, budget);
    auto [found, added] = index.emplace(key, out.MemberCount());
    if (!added) {
      out.MemberBegin()[found->second].value = value;
    } else {
      rapidjson::Value name(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), allocator);
      out.AddMember(name, value, allocator);
    }
  }
}

// A scalar: null, a boolean, an integer or a finite float when its plain text reads as one,
// else (and always when quoted) a string.
void convertScalar(const YAML::Node& node, rapidjson::Value& out, Allocator& allocator) {
  const std::string& text = checkedScalar(node);
  // Tag "!" marks a quoted (non-plain) scalar: always a string.
  if (node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str") {
    bool b = false;
    int64_t i = 0;
    double d = 0;
    if (isNullText(text)) return out.SetNull(), void();
    if (parseBool(text, b)) return out.SetBool(b), void();
    if (parseInteger(text, i)) return out.SetInt64(i), void();
    if (parseFloat(text, d) && std::isfinite(d)) return out.SetDouble(d), void();
  }
  out.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

void convert(const YAML::Node& node, rapidjson::Value& out, Allocator& allocator, int depth,
             Budget& budget) {
  if (depth > kMaxDepth) {
    throw YamlError("YAML nested deeper than " + std::to_string(kMaxDepth) +
                    " levels (a recursive alias?) at line " + std::to_string(node.Mark().line + 1));
  }
  if (++budget.nodes > kMaxNodes) {
    throw YamlError("YAML expands to more than " + std::to_string(kMaxNodes) +
                    " values (nested aliases?)");
  }
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.SetNull();
      return;
    case YAML::NodeType::Sequence:
      out.SetArray();
      for (const auto& item : node) {
        rapidjson::Value value;
        convert(item, value, allocator, depth + 1, budget);
        out.PushBack(value, allocator);
      }
      return;
    case YAML::NodeType::Map:
      return convertMap(node, out, allocator, depth, budget);
    case YAML::NodeType::Scalar:
      return convertScalar(node, out, allocator);
  }
}

// True when every character of s from `from` is in `allowed` (and there is at least one).
bool allIn(const std::string& s, size_t from, std::string_view allowed) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i) {
    if (allowed.find(s[i]) == std::string_view::npos) return false;
  }
  return true;
}

// Forms other YAML readers take as numbers, booleans or null although ours keeps them strings:
// YAML 1.2's 0x1F and 0o17, YAML 1.1's (kubectl's, Go's yaml.v2) 017, 0b101, 1_000, 1:20,
// yes/no/on/off in any case, and .nan/.NaN/.NAN and .INF. Written plain, a string "0x10" in the
// spec would come back as 16 for one reader and stay a string for another.
bool otherReadersNonString(const std::string& s) {
  static const char* const kWords[] = {
      "y",  "Y",  "yes", "Yes", "YES", "n",    "N",    "no",   "No",   "NO",    "on",
      "On", "ON", "off", "Off", "OFF", ".nan", ".NaN", ".NAN", ".INF", "+.INF", "-.INF"};
  for (const char* word : kWords) {
    if (s == word) return true;
  }
  const size_t i = skipSign(s);
  if (s.size() > i + 2 && s[i] == '0') {
    const char base = s[i + 1];
    if (base == 'x' || base == 'X') return allIn(s, i + 2, "0123456789abcdefABCDEF_");
    if (base == 'o' || base == 'O') return allIn(s, i + 2, "01234567_");
    if (base == 'b' || base == 'B') return allIn(s, i + 2, "01_");
  }
  if (s.size() > i + 1 && s[i] == '0' && allIn(s, i + 1, "01234567_")) return true;  // 017
  // 1_000, 1_000.5, 1:20, 190:20:30.5: digits first, then digits, '_', ':' and one '.'.
  if (i < s.size() && s[i] >= '0' && s[i] <= '9' && allIn(s, i, "0123456789_:.") &&
      (s.find('_') != std::string::npos || s.find(':') != std::string::npos)) {
    return std::count(s.begin(), s.end(), '.') <= 1 && s.back() != ':' && s.back() != '_';
  }
  return false;
}

// True when a plain scalar with this text would read back as something other than a string,
// by our reader or by YAML 1.1 and 1.2 readers.
bool needsQuotes(const std::string& s) {
  bool b = false;
  int64_t i = 0;
  double d = 0;
  return isNullText(s) || parseBool(s, b) || parseInteger(s, i) || parseFloat(s, d) ||
         otherReadersNonString(s);
}

// A short list of numbers or booleans, such as a latency sketch's [index, count] pairs or a
// version's assessments: one line in flow style ([-449, 1]) instead of one line per item, so a
// status written back into a local file stays readable. Strings keep the block style.
bool isShortTuple(const rapidjson::Value& array) {
  if (array.Size() < 2 || array.Size() > 8) return false;
  for (const auto& item : array.GetArray()) {
    if (!item.IsNumber() && !item.IsBool()) return false;
  }
  return true;
}

void emit(const rapidjson::Value& value, YAML::Emitter& out) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      out << YAML::Null;
      return;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      out << value.GetBool();
      return;
    case rapidjson::kNumberType:
      if (value.IsInt64()) {
        out << value.GetInt64();
      } else if (value.IsUint64()) {
        out << value.GetUint64();
      } else {
        // Go's shortest digits ("0.000721", not yaml-cpp's "0.00072099999999999996").
        out << formatGoJsonNumber(value.GetDouble());
      }
      return;
    case rapidjson::kStringType: {
      std::string s(value.GetString(), value.GetStringLength());
      if (needsQuotes(s))
        out << YAML::DoubleQuoted;
      else if (s.find('\n') != std::string::npos)
        out << YAML::Literal;
      out << s;
      return;
    }
    case rapidjson::kArrayType:
      if (isShortTuple(value)) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : value.GetArray()) emit(item, out);
      out << YAML::EndSeq;
      return;
    case rapidjson::kObjectType:
      out << YAML::BeginMap;
      for (const auto& member : value.GetObject()) {
        out << YAML::Key;
        emit(member.name, out);
        out << YAML::Value;
        emit(member.value, out);
      }
      out << YAML::EndMap;
      return;
  }
}

// Counts documents without building them. yaml-cpp 0.7 can report a next document forever
// without consuming input (`"a",\n"b": 1` made YAML::LoadAll allocate until the machine ran
// out of memory; found by fuzz/yaml_json_fuzzer.cpp), so the count is bounded.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

constexpr int kMaxDocuments = 1000;

int countDocuments(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentCounter counter;
  int documents = 0;
  while (documents <= kMaxDocuments && parser.HandleNextDocument(counter)) ++documents;
  return documents;
}

// The lines of `text`, without their line breaks.
std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// yaml-cpp's words are the parser's ("illegal map value" two lines below a tab, "bad file"
// for nesting): say what people got wrong, at the line where they did, keeping its text.
std::string describeSyntaxError(const std::string& text, const YAML::Exception& e) {
  const std::string at = "invalid YAML at line ";
  const std::string where =
      "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1);
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) {
    return "YAML nested deeper than " + std::to_string(kMaxDepth) + " levels at " + where;
  }
  const std::vector<std::string> lines = linesOf(text);
  const int last = std::min<int>(e.mark.line, static_cast<int>(lines.size()) - 1);
  for (int i = 0; i <= last; ++i) {  // the first tab before the error, in an indentation
    const std::string& line = lines[i];
    const size_t indentEnd = line.find_first_not_of(" \t");
    if (line.find('\t') < std::min(indentEnd, line.size())) {
      return at + std::to_string(i + 1) +
             ": a tab character in the indentation; YAML indents with spaces only";
    }
  }
  if (e.msg == "illegal map value" && last > 0) {
    int previous = last - 1;
    while (previous >= 0 && lines[previous].find_first_not_of(' ') == std::string::npos) {
      --previous;
    }
    if (previous >= 0 && lines[previous].find(':') == std::string::npos &&
        lines[previous].find('#') == std::string::npos) {
      const std::string key = lines[previous].substr(lines[previous].find_first_not_of(' '));
      return at + std::to_string(previous + 1) + ": `" + key +
             "` is not followed by `:`; a key without its colon? (yaml-cpp: " + e.msg + " at " +
             where + ")";
    }
  }
  return "invalid YAML at " + where + ": " + e.msg;
}

}  // namespace

rapidjson::Document parseYaml(std::string_view text) {
  std::string copy(text);
  YAML::Node root;
  int documents = 0;
  try {
    documents = countDocuments(copy);
    if (documents == 1) root = YAML::Load(copy);
  } catch (const YAML::Exception& e) {
    throw YamlError(describeSyntaxError(copy, e));
  }
  // Several documents would be read as the first and written back as one: refuse them.
  if (documents > kMaxDocuments) {
    throw YamlError("YAML that does not end (more than " + std::to_string(kMaxDocuments) +
                    " documents; a quoted string followed by a comma outside a [...] or {...}?)");
  }
  if (documents > 1) {
    throw YamlError("holds " + std::to_string(documents) +
                    " YAML documents (separated by ---); expected exactly one");
  }
  rapidjson::Document doc;
  if (documents == 0) return doc;  // empty text: null, as YAML::Load reads it
  try {
    Budget budget;
    convert(root, doc, doc.GetAllocator(), 0, budget);
  } catch (const YAML::Exception& e) {
    throw YamlError("unsupported YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return doc;
}

std::string toYaml(const rapidjson::Value& value) {
  YAML::Emitter out;
  emit(value, out);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

}  // namespace iter8
