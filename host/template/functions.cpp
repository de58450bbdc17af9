// Go's builtin template functions (text/template/funcs.go) over our values, with Go's error
// texts. and/or are in exec.cpp (they short-circuit); printing is in printf.cpp.
#include "host/template/functions.h"

#include "lib/text.h"

#include <cctype>
#include <cstdio>
#include <map>

#include <locale.h>
#include <wctype.h>

#include "host/template/lexer.h"

namespace iter8::template_internal {

BuiltinSignature builtinSignature(std::string_view name) {
  if (name == "and" || name == "or" || name == "index" || name == "slice" || name == "call" ||
      name == "eq") {
    return {2, true, ParamType::kValue};
  }
  if (name == "printf") return {2, true, ParamType::kString};
  if (name == "print" || name == "println" || name == "html" || name == "js" ||
      name == "urlquery") {
    return {1, true, ParamType::kValue};
  }
  if (name == "not" || name == "len") return {1, false, ParamType::kValue};
  return {2, false, ParamType::kValue};  // ne, lt, le, gt, ge
}

namespace {

// Go's basicKind classes for comparisons.
enum class Basic { kInvalid, kBool, kInt, kUint, kFloat, kString };

Basic basicKind(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kBool:
      return Basic::kBool;
    case Value::Kind::kInt:
      return Basic::kInt;
    case Value::Kind::kUint8:
      return Basic::kUint;
    case Value::Kind::kFloat:
      return Basic::kFloat;
    case Value::Kind::kString:
      return Basic::kString;
    default:
      return Basic::kInvalid;
  }
}

const std::string kBadComparisonType = "invalid type for comparison";
const std::string kBadComparison = "incompatible types for comparison";

// eq(arg1, arg2...): arg1 == arg2 || arg1 == arg3 ...
std::optional<std::string> eq(const std::vector<Value>& args, bool& truth) {
  truth = false;
  if (args.size() < 2) return "missing argument for comparison";
  const Value a = args[0].unboxed();
  const Basic k1 = basicKind(a);
  for (std::size_t i = 1; i < args.size(); ++i) {
    const Value b = args[i].unboxed();
    const Basic k2 = basicKind(b);
    bool equal = false;
    if (k1 != k2) {
      if (k1 == Basic::kInt && k2 == Basic::kUint) {
        equal = a.integer >= 0 && a.integer == b.integer;
      } else if (k1 == Basic::kUint && k2 == Basic::kInt) {
        equal = b.integer >= 0 && a.integer == b.integer;
      } else if (a.kind != Value::Kind::kInvalid && b.kind != Value::Kind::kInvalid) {
        return kBadComparison;
      }
    } else {
      switch (k1) {
        case Basic::kBool:
          equal = a.boolean == b.boolean;
          break;
        case Basic::kFloat:
          equal = a.number == b.number;
          break;
        case Basic::kInt:
        case Basic::kUint:
          equal = a.integer == b.integer;
          break;
        case Basic::kString:
          equal = a.string == b.string;
          break;
        case Basic::kInvalid:
          // Maps, slices and nil: comparable only with nil, as Go's eq finds.
          if (a.kind != b.kind && a.kind != Value::Kind::kInvalid &&
              b.kind != Value::Kind::kInvalid) {
            return "non-comparable types " + goSprintf("%s", {a}) + ": " + goTypeName(a) + ", " +
                   goTypeName(b) + ": " + goSprint({b});
          }
          if (a.kind == Value::Kind::kInvalid || b.kind == Value::Kind::kInvalid) {
            equal = a.kind == b.kind;
          } else {
            return "non-comparable type " + goSprintf("%s", {b}) + ": " + goTypeName(b);
          }
          break;
      }
    }
    if (equal) {
      truth = true;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<std::string> lt(const Value& arg1, const Value& arg2, bool& truth) {
  truth = false;
  const Value a = arg1.unboxed();
  const Value b = arg2.unboxed();
  const Basic k1 = basicKind(a);
  const Basic k2 = basicKind(b);
  if (k1 == Basic::kInvalid || k2 == Basic::kInvalid) return kBadComparisonType;
  if (k1 != k2) {
    if (k1 == Basic::kInt && k2 == Basic::kUint) {
      truth = a.integer < b.integer;
    } else if (k1 == Basic::kUint && k2 == Basic::kInt) {
      truth = b.integer >= 0 && a.integer < b.integer;
    } else {
      return kBadComparison;
    }
    return std::nullopt;
  }
  switch (k1) {
    case Basic::kFloat:
      truth = a.number < b.number;
      break;
    case Basic::kInt:
    case Basic::kUint:
      truth = a.integer < b.integer;
      break;
    case Basic::kString:
      truth = a.string < b.string;
      break;
    default:
      return kBadComparisonType;
  }
  return std::nullopt;
}

std::optional<std::string> compare(std::string_view name, const std::vector<Value>& args,
                                   bool& truth) {
  if (name == "eq") return eq(args, truth);
  if (name == "ne") {
    auto error = eq(args, truth);
    truth = !truth;
    return error;
  }
  auto error = lt(args[0], args[1], truth);
  if (error) return error;
  if (name == "lt") return std::nullopt;
  if (name == "ge") {
    truth = !truth;
    return std::nullopt;
  }
  if (!truth) error = eq(args, truth);  // le: lt or eq
  if (name == "gt") truth = !truth;
  return error;
}

std::optional<std::string> length(const Value& item, Value& result) {
  switch (item.kind) {
    case Value::Kind::kNil:
      return "len of nil pointer";
    case Value::Kind::kInvalid:
      return "reflect: call of reflect.Value.Type on zero Value";
    case Value::Kind::kString:
      result = Value::ofInt(static_cast<std::int64_t>(item.string.size()));
      return std::nullopt;
    case Value::Kind::kSlice:
      result = Value::ofInt(static_cast<std::int64_t>(item.json->Size()));
      return std::nullopt;
    case Value::Kind::kMap: {
      std::map<std::string_view, int> keys;  // repeated JSON keys are one Go map entry
      for (const auto& member : item.json->GetObject()) keys[stringOf(member.name)] = 0;
      result = Value::ofInt(static_cast<std::int64_t>(keys.size()));
      return std::nullopt;
    }
    default:
      return std::string("len of type ") + goTypeName(item);
  }
}

std::optional<std::string> index(const std::vector<Value>& args, Value& result) {
  Value item = args[0].unboxed();
  if (item.kind == Value::Kind::kInvalid) return "index of untyped nil";
  for (std::size_t i = 1; i < args.size(); ++i) {
    const Value key = args[i].unboxed();
    if (item.kind == Value::Kind::kNil) return "index of nil pointer";
    if (item.kind == Value::Kind::kSlice || item.kind == Value::Kind::kString) {
      if (key.kind == Value::Kind::kInvalid) return "cannot index slice/array with nil";
      if (key.kind != Value::Kind::kInt && key.kind != Value::Kind::kUint8) {
        return std::string("cannot index slice/array with type ") + goTypeName(key);
      }
      const std::size_t size =
          item.kind == Value::Kind::kSlice ? item.json->Size() : item.string.size();
      if (key.integer < 0 || static_cast<std::uint64_t>(key.integer) > size) {
        return "index out of range: " + std::to_string(key.integer);
      }
      const auto at = static_cast<std::size_t>(key.integer);
      if (at == size) {  // Go's check lets len through; reflect then panics
        return item.kind == Value::Kind::kSlice ? "reflect: slice index out of range"
                                                : "reflect: string index out of range";
      }
      if (item.kind == Value::Kind::kSlice) {
        item = Value::fromJson((*item.json)[static_cast<rapidjson::SizeType>(at)], true);
      } else {
        Value byte;
        byte.kind = Value::Kind::kUint8;
        byte.integer = static_cast<unsigned char>(item.string[at]);
        item = byte;
      }
    } else if (item.kind == Value::Kind::kMap) {
      if (key.kind == Value::Kind::kInvalid) return "value is nil; should be of type string";
      if (key.kind != Value::Kind::kString) {
        return std::string("value has type ") + goTypeName(key) + "; should be string";
      }
      const rapidjson::Value* found = nullptr;
      for (const auto& member : item.json->GetObject()) {
        if (stringOf(member.name) == key.string) found = &member.value;
      }
      if (found != nullptr) {
        item = Value::fromJson(*found, true);
      } else {
        item = Value{};  // the zero of interface{}: a nil that prints as no value
        item.kind = Value::Kind::kNil;
        item.boxed = true;
      }
    } else {
      return std::string("can't index item of type ") + goTypeName(item);
    }
  }
  result = item;
  return std::nullopt;
}

// text/template's evalArgs: one string as is, else fmt.Sprint with nil as "<no value>".
std::string evalArgs(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].kind == Value::Kind::kString) return args[0].string;
  std::vector<Value> printable = args;
  for (auto& arg : printable) {
    if (arg.isNilOrInvalid()) arg = Value::ofString("<no value>");
  }
  return goSprint(printable);
}

bool isPrintRune(char32_t r) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  if (utf8 == static_cast<locale_t>(0)) return true;
  return iswprint_l(static_cast<wint_t>(r), utf8) != 0;
}

std::string jsEscape(std::string_view s) {
  std::string out;
  char buf[16];
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t width = 0;
      const char32_t r = decodeRune(s, i, width);
      if (isPrintRune(r) && !(r == 0xFFFD && width == 1)) {
        out += s.substr(i, width);
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
        out += buf;
      }
      i += width - 1;
      continue;
    }
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '<':
        out += "\\u003C";
        break;
      case '>':
        out += "\\u003E";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '=':
        out += "\\u003D";
        break;
      default:
        if (c < ' ') {
          std::snprintf(buf, sizeof buf, "\\u00%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

// url.QueryEscape.
std::string queryEscape(std::string_view s) {
  std::string out;
  char buf[4];
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> callBuiltin(std::string_view name, const std::vector<Value>& args,
                                       Value& result) {
  if (name == "slice" || name == "call") {
    throw Unsupported("unsupported function \"" + std::string(name) +
                      "\": this engine has no slice or call");
  }
  if (name == "not") {
    result = Value::ofBool(!isTrue(args[0].unboxed()));
    return std::nullopt;
  }
  if (name == "len") return length(args[0], result);
  if (name == "index") return index(args, result);
  if (name == "print" || name == "println" || name == "printf") {
    result = Value::ofString(name == "print" ? goSprint(args)
                             : name == "println"
                                 ? goSprintln(args)
                                 : goSprintf(args[0].string, {args.begin() + 1, args.end()}));
    return std::nullopt;
  }
  if (name == "html" || name == "js" || name == "urlquery") {
    const std::string text = evalArgs(args);
    result = Value::ofString(name == "html" ? escapeHtml(text)
                             : name == "js" ? jsEscape(text)
                                            : queryEscape(text));
    return std::nullopt;
  }
  bool truth = false;
  auto error = compare(name, args, truth);
  result = Value::ofBool(truth);
  return error;
}

}  // namespace iter8::template_internal
