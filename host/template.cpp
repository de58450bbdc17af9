// Go text/template, the subset Iter8 experiments use. The lexer (template_lexer.cpp) knows the
// full action syntax; the parser below accepts only what we can execute and reports anything
// else as unsupported, and the executor prints values the way Go's fmt prints JSON decoded into
// interface{}. Golden results from real Go live in tests/golden/template.
#include "host/template.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

#include "host/template_lexer.h"

namespace iter8 {
namespace {

using template_internal::goQuote;
using template_internal::Token;
using template_internal::TokenKind;

std::size_t lineOf(std::string_view text, std::size_t pos) {
  const std::string_view before = text.substr(0, std::min(pos, text.size()));
  return 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
}

// Line (1-based) and column (0-based byte offset within the line) of byte `pos` in `text`,
// the way Go's ErrorContext counts them.
std::string describeLocation(std::string_view text, std::size_t pos) {
  const std::string_view before = text.substr(0, std::min(pos, text.size()));
  const std::size_t line = lineOf(text, pos);
  const auto lastNewline = before.rfind('\n');
  const auto column =
      lastNewline == std::string_view::npos ? before.size() : before.size() - lastNewline - 1;
  return std::to_string(line) + ":" + std::to_string(column);
}

[[noreturn]] void throwAt(std::string_view text, std::size_t pos, const std::string& message) {
  throw TemplateError("template: " + describeLocation(text, pos) + ": " + message);
}

// ---- Printing values as fmt's %v prints what encoding/json decodes into interface{} ----

// %v of a float64: the shortest digits that round-trip, in %e form when the exponent is below
// -4 or at least 6 (so 1000000 prints as 1e+06), else in %f form.
std::string formatGoFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  const std::string_view scientific(buf, static_cast<std::size_t>(result.ptr - buf));
  const auto ePos = scientific.find('e');
  std::string digits;
  bool negative = false;
  for (char c : scientific.substr(0, ePos)) {
    if (c == '-') negative = true;
    if (c >= '0' && c <= '9') digits += c;
  }
  const int exponent = std::atoi(std::string(scientific.substr(ePos + 1)).c_str());
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    const int magnitude = std::abs(exponent);
    out += exponent < 0 ? "e-" : "e+";
    if (magnitude < 10) out += '0';
    return out + std::to_string(magnitude);
  }
  const int pointAt = exponent + 1;  // digits before the decimal point
  const auto digitCount = static_cast<int>(digits.size());
  if (pointAt <= 0)
    return out + "0." + std::string(static_cast<std::size_t>(-pointAt), '0') + digits;
  if (pointAt >= digitCount) {
    return out + digits + std::string(static_cast<std::size_t>(pointAt - digitCount), '0');
  }
  const auto split = static_cast<std::size_t>(pointAt);
  return out + digits.substr(0, split) + "." + digits.substr(split);
}

std::string_view stringOf(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

// Go's type for a JSON value decoded into interface{}, as named in its error messages.
const char* goTypeName(const rapidjson::Value& value) {
  if (value.IsObject()) return "map[string]interface {}";
  if (value.IsArray()) return "[]interface {}";
  if (value.IsString()) return "string";
  if (value.IsNumber()) return "float64";
  if (value.IsBool()) return "bool";
  return "<nil>";
}

// Member `name` of `object`. encoding/json keeps the last of repeated keys, so do we.
const rapidjson::Value* lookUpMember(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* found = nullptr;
  for (const auto& member : object.GetObject()) {
    if (stringOf(member.name) == name) found = &member.value;
  }
  return found;
}

void printValue(std::string& out, const rapidjson::Value& value) {
  if (value.IsNull()) {
    out += "<nil>";  // only reachable inside containers; a bare nil prints "<no value>"
  } else if (value.IsBool()) {
    out += value.GetBool() ? "true" : "false";
  } else if (value.IsNumber()) {
    out += formatGoFloat(value.GetDouble());  // encoding/json makes every number a float64
  } else if (value.IsString()) {
    out += stringOf(value);
  } else if (value.IsArray()) {
    out += '[';
    const char* separator = "";
    for (const auto& element : value.GetArray()) {
      out += separator;
      printValue(out, element);
      separator = " ";
    }
    out += ']';
  } else {
    // fmt prints maps with keys sorted bytewise; later duplicates overwrite earlier ones.
    std::map<std::string_view, const rapidjson::Value*> sorted;
    for (const auto& member : value.GetObject()) sorted[stringOf(member.name)] = &member.value;
    out += "map[";
    const char* separator = "";
    for (const auto& [key, member] : sorted) {
      out += separator;
      out += key;
      out += ':';
      printValue(out, *member);
      separator = " ";
    }
    out += ']';
  }
}

// ---- Parse tree ----

// An error Go raises only when executing the action, so a later parse error wins over it.
struct DeferredError {
  std::size_t pos;
  std::string message;
};

// The value of one action: ".", a field chain ".a.b", or a constant printed at parse time.
struct Operand {
  enum class Kind { kDot, kField, kConstant } kind;
  std::size_t pos;                  // where Go reports errors about it
  std::vector<std::string> fields;  // kField: the names along the chain
  std::string source;               // kConstant: its text, e.g. "-3" or "true"
  std::string printed;              // kConstant: how Go prints it
  std::optional<DeferredError> failWhenRun;
  std::optional<std::string> stringValue;  // string constants whose escapes we could decode
  std::vector<Operand> arguments;          // what follows it in its command, Go's call args

  std::string describe() const {
    if (kind == Kind::kDot) return ".";
    if (kind == Kind::kConstant) return source;
    std::string chain;
    for (const auto& field : fields) chain += "." + field;
    return chain;
  }
};

// Literal text, or an action when `action` is set.
struct Piece {
  std::string text;
  std::optional<Operand> action;
};

bool isBuiltinFunction(std::string_view name) {
  static constexpr std::string_view builtins[] = {
      "and",    "call",    "html",     "index", "slice", "js", "len", "not", "or", "print",
      "printf", "println", "urlquery", "eq",    "ge",    "gt", "le",  "lt",  "ne"};
  return std::find(std::begin(builtins), std::end(builtins), name) != std::end(builtins);
}

// Go's rendering of a token in "unexpected ..." messages.
std::string describeToken(const Token& token) {
  if (token.kind == TokenKind::kEof) return "EOF";
  if (template_internal::isKeyword(token.kind)) return "<" + token.text + ">";
  if (token.text.size() > 10) return goQuote(token.text, 10) + "...";
  return goQuote(token.text);
}

bool allDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// A recursive-descent parser shaped like Go's (same peek/backup discipline), so the first error
// found, and the line it is reported on, are the ones Go reports.
class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  std::vector<Piece> parse() {
    while (peek().kind != TokenKind::kEof) {
      if (peek().kind == TokenKind::kLeftDelim) {  // Go looks for {{define}} here
        const std::size_t mark = cursor_;
        next();
        const Token& keyword = nextNonSpace();
        if (keyword.kind == TokenKind::kDefine) unsupported(keyword, "template definition");
        cursor_ = mark;
      }
      textOrAction();
    }
    return std::move(pieces_);
  }

 private:
  const Token& next() {
    const std::size_t index = std::min(cursor_++, tokens_.size() - 1);
    furthest_ = std::max(furthest_, index);
    return tokens_[index];
  }
  void backup() { --cursor_; }
  const Token& peek() {
    const Token& token = next();
    backup();
    return token;
  }
  const Token& nextNonSpace() {
    const Token* token = &next();
    while (token->kind == TokenKind::kSpace) token = &next();
    return *token;
  }
  const Token& peekNonSpace() {
    const Token& token = nextNonSpace();
    backup();
    return token;
  }

  // Go reports parse errors on the line of the last token it took from the lexer.
  [[noreturn]] void fail(const std::string& message) const {
    throwAt(text_, tokens_[furthest_].pos, message);
  }
  static std::string unsupportedMessage(const Token& token, const std::string& construct) {
    return "unsupported " + construct + " " + goQuote(token.text) +
           ": only text, comments, \".\", field paths like .a.b and number or boolean "
           "constants are supported";
  }
  [[noreturn]] void unsupported(const Token& token, const std::string& construct) const {
    throwAt(text_, token.pos, unsupportedMessage(token, construct));
  }
  static Operand constant(const Token& token, std::string printed,
                          std::optional<DeferredError> failWhenRun = std::nullopt) {
    return Operand{Operand::Kind::kConstant, token.pos,    {}, token.text, std::move(printed),
                   std::move(failWhenRun),   std::nullopt, {}};
  }
  // A constant Go parses but we do not evaluate. Go could only fail on it when executing, so
  // neither do we: a parse error later in the template is still the one reported.
  static Operand unsupportedConstant(const Token& token, const std::string& construct) {
    return constant(token, "", DeferredError{token.pos, unsupportedMessage(token, construct)});
  }
  [[noreturn]] void unexpected(const Token& token, const std::string& context) const {
    if (token.kind != TokenKind::kError)
      fail("unexpected " + describeToken(token) + " in " + context);
    std::string message = token.text;
    if (actionStart_ && lineOf(text_, token.pos) != lineOf(text_, *actionStart_)) {
      // An action running over lines is probably unterminated; say where it began.
      const std::string_view suffix = " action";
      const bool aboutAction =
          message.size() >= suffix.size() &&
          message.compare(message.size() - suffix.size(), suffix.size(), suffix) == 0;
      message += (aboutAction ? " started at " : " in action started at ") +
                 describeLocation(text_, *actionStart_);
    }
    fail(message);
  }

  void textOrAction() {
    const Token& token = nextNonSpace();
    if (token.kind == TokenKind::kText) {
      pieces_.push_back({token.text, std::nullopt});
    } else if (token.kind == TokenKind::kLeftDelim) {
      actionStart_ = token.pos;
      action();
      actionStart_.reset();
    } else {
      unexpected(token, "input");
    }
  }

  void action() {
    const Token& token = nextNonSpace();
    switch (token.kind) {
      case TokenKind::kBlock:
      case TokenKind::kDefine:
      case TokenKind::kElse:
      case TokenKind::kEnd:
      case TokenKind::kIf:
      case TokenKind::kRange:
      case TokenKind::kTemplate:
      case TokenKind::kWith:
        unsupported(token, "control action");
      default:
        break;
    }
    backup();
    pieces_.push_back({"", pipeline("command")});
  }

  Operand pipeline(const std::string& context) {
    const Token& first = peekNonSpace();
    if (first.kind == TokenKind::kVariable) unsupported(first, "variable");
    std::optional<Operand> value;
    for (;;) {
      const Token& token = nextNonSpace();
      switch (token.kind) {
        case TokenKind::kRightDelim:
          if (!value) fail("missing value for " + context);
          return *value;
        case TokenKind::kBool:
        case TokenKind::kCharConstant:
        case TokenKind::kComplex:
        case TokenKind::kDot:
        case TokenKind::kField:
        case TokenKind::kIdentifier:
        case TokenKind::kNumber:
        case TokenKind::kNil:
        case TokenKind::kRawString:
        case TokenKind::kString:
        case TokenKind::kVariable:
        case TokenKind::kLeftParen:
          backup();
          value = command();
          break;
        default:
          unexpected(token, context);
      }
    }
  }

  Operand command() {
    std::vector<Operand> args;
    for (;;) {
      peekNonSpace();
      if (auto operandValue = operand()) args.push_back(std::move(*operandValue));
      const Token& token = next();
      if (token.kind == TokenKind::kSpace) continue;
      if (token.kind == TokenKind::kRightDelim || token.kind == TokenKind::kRightParen) {
        backup();
      } else if (token.kind == TokenKind::kPipe) {
        unsupported(token, "pipeline");
      } else {
        unexpected(token, "operand");
      }
      break;
    }
    if (args.empty()) fail("empty command");
    if (args.size() > 1) {
      // Go accepts arguments here and fails (or ignores them) only when executing.
      args[0].failWhenRun = DeferredError{
          args[1].pos, "unsupported argument " + goQuote(args[1].describe()) + " after " +
                           args[0].describe() + ": function calls and methods are not supported"};
      args[0].arguments.assign(std::make_move_iterator(args.begin() + 1),
                               std::make_move_iterator(args.end()));
    }
    return std::move(args[0]);
  }

  std::optional<Operand> operand() {
    auto value = term();
    if (!value || peek().kind != TokenKind::kField) return value;
    const std::size_t chainPos = peek().pos;
    if (value->kind != Operand::Kind::kField) {
      while (peek().kind == TokenKind::kField) next();
      fail("unexpected . after term " + goQuote(value->describe()));
    }
    while (peek().kind == TokenKind::kField) value->fields.push_back(next().text.substr(1));
    value->pos = chainPos;  // Go places a chain where its second field starts
    return value;
  }

  std::optional<Operand> term() {
    const Token& token = nextNonSpace();
    switch (token.kind) {
      case TokenKind::kIdentifier:
        if (isBuiltinFunction(token.text)) unsupported(token, "function call");
        fail("function " + goQuote(token.text) + " not defined");
      case TokenKind::kDot:
        return Operand{Operand::Kind::kDot, token.pos, {}, "", "", std::nullopt, std::nullopt, {}};
      case TokenKind::kField:
        return Operand{
            Operand::Kind::kField, token.pos, {token.text.substr(1)}, "", "", std::nullopt,
            std::nullopt,          {}};
      case TokenKind::kBool:
        return constant(token, token.text);
      case TokenKind::kNumber:
        return number(token);
      case TokenKind::kNil:
        return constant(token, "", DeferredError{token.pos, "nil is not a command"});
      case TokenKind::kVariable:
        unsupported(token, "variable");
      case TokenKind::kCharConstant:
        return unsupportedConstant(token, "character constant");
      case TokenKind::kComplex:
        return unsupportedConstant(token, "complex constant");
      case TokenKind::kString:
      case TokenKind::kRawString: {
        Operand value = unsupportedConstant(token, "string constant");
        value.stringValue = template_internal::unquote(token);
        return value;
      }
      case TokenKind::kLeftParen:
        unsupported(token, "parenthesized pipeline");
      default:
        backup();
        return std::nullopt;
    }
  }

  // How Go prints a number constant: decimal integers as int, anything with a point or an
  // exponent as float64. Other bases, underscores and the like are rare in experiment files
  // and are refused rather than half-supported.
  Operand number(const Token& token) {
    const std::string& text = token.text;
    const std::string_view body = std::string_view(text).substr(text[0] == '+' || text[0] == '-');
    const bool otherBase =
        body.size() > 1 && body[0] == '0' && body.find_first_of(".eE") == std::string_view::npos;
    if (otherBase || body.find_first_of("xXoObBpP_i") != std::string_view::npos) {
      return unsupportedConstant(token, "number syntax");
    }
    if (allDigits(body)) {
      std::int64_t value = 0;
      const char* begin = text.data() + (text[0] == '+');
      const auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size()) {
        return unsupportedConstant(token, "integer beyond 64 bits");
      }
      return constant(token, std::to_string(value));
    }
    // Decimal float: digits, optional fraction, optional exponent with digits.
    const auto mantissaEnd = body.find_first_of("eE");
    const std::string_view mantissa = body.substr(0, mantissaEnd);
    const std::string_view exponent =
        mantissaEnd == std::string_view::npos ? "" : body.substr(mantissaEnd + 1);
    const std::string_view exponentDigits =
        exponent.substr(!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-') ? 1 : 0);
    const bool validMantissa =
        mantissa.find_first_of("0123456789") != std::string_view::npos &&
        mantissa.find_first_not_of("0123456789.") == std::string_view::npos &&
        std::count(mantissa.begin(), mantissa.end(), '.') <= 1;
    const bool validExponent = mantissaEnd == std::string_view::npos || allDigits(exponentDigits);
    errno = 0;
    const double value = validMantissa && validExponent ? std::strtod(text.c_str(), nullptr) : 0;
    if (!validMantissa || !validExponent || (errno == ERANGE && std::isinf(value))) {
      fail("illegal number syntax: " + goQuote(text));
    }
    return constant(token, formatGoFloat(value));
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t cursor_ = 0;
  std::size_t furthest_ = 0;
  std::optional<std::size_t> actionStart_;  // where the action being parsed begins
  std::vector<Piece> pieces_;
};

// ---- Execution ----

// Go's value for one field chain. Values found in a map are boxed in interface{}, which is
// why errors past the first field name "interface {}" as the type; a missing key yields no
// value, and further fields of no value are silently no value too.
std::string evaluateFieldChain(std::string_view text, const Operand& operand,
                               const rapidjson::Value& data) {
  const rapidjson::Value* current = data.IsNull() ? nullptr : &data;
  bool boxed = false;
  for (const auto& name : operand.fields) {
    if (current == nullptr) break;
    const auto execFail = [&](const std::string& message) {
      throwAt(text, operand.pos, "executing at <" + operand.describe() + ">: " + message);
    };
    if (boxed && current->IsNull()) execFail("nil pointer evaluating interface {}." + name);
    if (!current->IsObject()) {
      execFail("can't evaluate field " + name + " in type " +
               (boxed ? "interface {}" : goTypeName(*current)));
    }
    current = lookUpMember(*current, name);
    boxed = true;
  }
  // Go walks the chain before it looks at arguments, so chain errors come first.
  if (operand.failWhenRun) throwAt(text, operand.failWhenRun->pos, operand.failWhenRun->message);
  // Go unboxes the result before printing, so a JSON null prints like a missing key.
  if (current == nullptr || current->IsNull()) return "<no value>";
  std::string out;
  printValue(out, *current);
  return out;
}

bool isCall(const Operand& operand, const TemplateOptions& options) {
  return operand.kind == Operand::Kind::kField && !operand.fields.empty() &&
         std::find(options.callables.begin(), options.callables.end(), operand.fields[0]) !=
             options.callables.end();
}

// `.Name "key"` for a callable member Name: the string at key "key" of the object `.Name`,
// with the checks Go makes when calling a method of one string parameter.
std::string evaluateCall(std::string_view text, const Operand& operand,
                         const rapidjson::Value& data) {
  const std::string& name = operand.fields[0];
  const auto execFail = [&](const std::string& message) {
    throwAt(text, operand.pos, "executing at <" + operand.describe() + ">: " + message);
  };
  if (operand.fields.size() > 1) {
    execFail("can't evaluate field " + operand.fields[1] + " of " + name +
             ": call it with a key, as in ." + name + " \"key\"");
  }
  if (operand.arguments.size() != 1) {
    execFail("wrong number of args for " + name + ": want 1 got " +
             std::to_string(operand.arguments.size()));
  }
  const Operand& argument = operand.arguments[0];
  if (!argument.stringValue) {
    throwAt(text, argument.pos,
            "executing at <" + operand.describe() + ">: argument " + goQuote(argument.describe()) +
                " of " + name + " must be a string constant");
  }
  const rapidjson::Value* object = data.IsObject() ? lookUpMember(data, name) : nullptr;
  if (object == nullptr || !object->IsObject()) execFail(name + " is not available");
  const rapidjson::Value* value = lookUpMember(*object, *argument.stringValue);
  if (value == nullptr) execFail(name + " has no key " + goQuote(*argument.stringValue));
  std::string out;
  printValue(out, *value);
  return out;
}

}  // namespace

void checkTemplateSyntax(std::string_view text, const TemplateDelims& delims) {
  Parser parser(text, template_internal::lexTemplate(text, delims.left, delims.right));
  parser.parse();
}

std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateDelims& delims) {
  return renderTemplate(text, data, TemplateOptions{delims, {}});
}

std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateOptions& options) {
  const TemplateDelims& delims = options.delims;
  // Parse everything first: like Go, a parse error anywhere means no output at all.
  Parser parser(text, template_internal::lexTemplate(text, delims.left, delims.right));
  const std::vector<Piece> pieces = parser.parse();
  std::string out;
  for (const auto& piece : pieces) {
    if (!piece.action) {
      out += piece.text;
      continue;
    }
    const Operand& operand = *piece.action;
    if (operand.failWhenRun && operand.kind != Operand::Kind::kField) {
      throwAt(text, operand.failWhenRun->pos, operand.failWhenRun->message);
    }
    switch (operand.kind) {
      case Operand::Kind::kConstant:
        out += operand.printed;
        break;
      case Operand::Kind::kField:
        out += isCall(operand, options) ? evaluateCall(text, operand, data)
                                        : evaluateFieldChain(text, operand, data);
        break;
      case Operand::Kind::kDot:
        if (data.IsNull()) {
          out += "<no value>";
        } else if (data.IsObject() && !options.callables.empty()) {
          // Like Go printing a value with methods: the callables are not part of what prints.
          rapidjson::Value shown(rapidjson::kObjectType);
          rapidjson::MemoryPoolAllocator<> allocator;
          for (const auto& member : data.GetObject()) {
            const auto& names = options.callables;
            if (std::find(names.begin(), names.end(), stringOf(member.name)) != names.end())
              continue;
            shown.AddMember(rapidjson::Value(member.name, allocator),
                            rapidjson::Value(member.value, allocator), allocator);
          }
          printValue(out, shown);
        } else {
          printValue(out, data);
        }
        break;
    }
  }
  return out;
}

}  // namespace iter8
