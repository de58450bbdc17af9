#include "host/yaml.h"

#include <cmath>
#include <cstdlib>
#include <regex>

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

bool parseInteger(const std::string& s, int64_t& out) {
  static const std::regex decimal("[-+]?[0-9]+");
  if (!std::regex_match(s, decimal)) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE) return false;
  out = v;
  return true;
}

bool parseFloat(const std::string& s, double& out) {
  static const std::regex number(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(s, number)) {
    out = std::strtod(s.c_str(), nullptr);
    return true;
  }
  if (s == ".inf" || s == "+.inf" || s == ".Inf" || s == "+.Inf") return out = HUGE_VAL, true;
  if (s == "-.inf" || s == "-.Inf") return out = -HUGE_VAL, true;
  return false;
}

// Limits that keep hostile input from exhausting the stack or memory: a recursive alias
// (`a: &x {b: *x}`) would recurse forever, and nested aliases ("billion laughs") multiply.
constexpr int kMaxDepth = 200;
constexpr long kMaxNodes = 2'000'000;

struct Budget {
  long nodes = 0;
};

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
      out.SetObject();
      for (const auto& entry : node) {
        rapidjson::Value key(entry.first.as<std::string>(), allocator);
        rapidjson::Value value;
        convert(entry.second, value, allocator, depth + 1, budget);
        auto existing = out.FindMember(key);
        if (existing != out.MemberEnd()) {
          existing->value = value;  // a repeated key: the last one wins, as in Go's yaml
        } else {
          out.AddMember(key, value, allocator);
        }
      }
      return;
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
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
      return;
    }
  }
}

// True when a plain scalar with this text would read back as something other than a string.
bool needsQuotes(const std::string& s) {
  bool b = false;
  int64_t i = 0;
  double d = 0;
  return isNullText(s) || parseBool(s, b) || parseInteger(s, i) || parseFloat(s, d) || s == "yes" ||
         s == "no" || s == "on" || s == "off" || s == "y" || s == "n";
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

}  // namespace

rapidjson::Document parseYaml(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw YamlError("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                    std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  rapidjson::Document doc;
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
