// Parsing of `if:` conditions: a lexer and a precedence-climbing parser shaped like expr's
// (parser/parser.go), with a small type check so that what expr's checker refused at compile
// time (`"a" && true`, `1 < "b"`, a condition that is a string) is refused here before any task
// runs.
#include "host/conditions/conditions.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace iter8 {
namespace {

using Kind = ConditionNode::Kind;

enum class TokenKind { kEnd, kIdent, kNumber, kString, kOperator, kLeftParen, kRightParen, kDot };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // identifier, operator, or a string literal's value
  double number = 0;
  std::size_t column = 0;
};

[[noreturn]] void fail(std::size_t column, const std::string& message) {
  throw ConditionError("column " + std::to_string(column) + ": " + message);
}

bool identStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool identPart(char c) {
  return identStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Token next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    Token token;
    token.column = pos_ + 1;
    if (pos_ >= text_.size()) return token;
    const char c = text_[pos_];
    if (identStart(c)) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && identPart(text_[pos_])) ++pos_;
      token.kind = TokenKind::kIdent;
      token.text = std::string(text_.substr(start, pos_ - start));
      return token;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) return number(token);
    if (c == '"' || c == '\'') return string(token);
    ++pos_;
    switch (c) {
      case '(':
        token.kind = TokenKind::kLeftParen;
        return token;
      case ')':
        token.kind = TokenKind::kRightParen;
        return token;
      case '.':
        token.kind = TokenKind::kDot;
        return token;
      default:
        break;
    }
    token.kind = TokenKind::kOperator;
    const char n = pos_ < text_.size() ? text_[pos_] : '\0';
    const std::string two{c, n};
    if (two == "&&" || two == "||" || two == "==" || two == "!=" || two == "<=" || two == ">=") {
      ++pos_;
      token.text = two;
      return token;
    }
    if (c == '!' || c == '<' || c == '>') {
      token.text = std::string(1, c);
      return token;
    }
    if (std::string_view("+-*/%=&|[]{}?:,~^#@`;\\").find(c) != std::string_view::npos) {
      fail(token.column, "'" + std::string(1, c) +
                             "' is not supported; conditions use ! not && and || or == != < <= > "
                             ">= and parentheses");
    }
    fail(token.column, "unexpected character '" + printable(c) + "'");
  }

 private:
  static std::string printable(char c) {
    if (std::isprint(static_cast<unsigned char>(c))) return std::string(1, c);
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned char>(c));
    return buffer;
  }

  Token number(Token& token) {
    std::size_t start = pos_;
    auto digits = [&] {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    };
    digits();
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' &&
        std::isdigit(static_cast<unsigned char>(text_[pos_ + 1]))) {
      ++pos_;
      digits();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t mark = pos_++;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        digits();
      } else {
        pos_ = mark;
      }
    }
    if (pos_ < text_.size() && identPart(text_[pos_])) {
      fail(token.column,
           "malformed number '" + std::string(text_.substr(start, pos_ - start + 1)) + "'");
    }
    token.kind = TokenKind::kNumber;
    token.number = std::strtod(std::string(text_.substr(start, pos_ - start)).c_str(), nullptr);
    return token;
  }

  Token string(Token& token) {
    const char quote = text_[pos_++];
    token.kind = TokenKind::kString;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c != '\\') {
        token.text += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char escaped = text_[pos_++];
      switch (escaped) {
        case 'n':
          token.text += '\n';
          break;
        case 't':
          token.text += '\t';
          break;
        case 'r':
          token.text += '\r';
          break;
        case '\\':
        case '"':
        case '\'':
          token.text += escaped;
          break;
        default:
          fail(pos_ - 1, "unsupported escape '\\" + printable(escaped) + "' in a string");
      }
    }
    if (pos_ >= text_.size()) fail(token.column, "string not terminated");
    ++pos_;  // the closing quote
    return token;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// Static types: what a node is known to produce before the experiment is seen.
enum class Type { kAny, kBool, kNumber, kString, kNil };

const char* typeName(Type type) {
  switch (type) {
    case Type::kBool:
      return "a boolean";
    case Type::kNumber:
      return "a number";
    case Type::kString:
      return "a string";
    case Type::kNil:
      return "nil";
    case Type::kAny:
      break;
  }
  return "a field";
}

int binaryPrecedence(const Token& token) {
  if (token.kind == TokenKind::kOperator) {
    if (token.text == "||") return 10;
    if (token.text == "&&") return 15;
    return 20;  // == != < <= > >=
  }
  if (token.kind == TokenKind::kIdent) {
    if (token.text == "or") return 10;
    if (token.text == "and") return 15;
  }
  return -1;
}

bool isUnary(const Token& token) {
  return (token.kind == TokenKind::kOperator && token.text == "!") ||
         (token.kind == TokenKind::kIdent && token.text == "not");
}

// Words expr gives a meaning we do not support; naming them beats "unexpected identifier".
bool isUnsupportedWord(const std::string& word) {
  return word == "in" || word == "matches" || word == "contains" || word == "startsWith" ||
         word == "endsWith";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) { advance(); }

  Condition parse(std::string_view text) {
    Condition condition;
    condition.text = std::string(text);
    nodes_ = &condition.nodes;
    if (current_.kind == TokenKind::kEnd) fail(current_.column, "the condition is empty");
    const std::size_t column = current_.column;
    condition.root = expression(0, 0);
    if (current_.kind != TokenKind::kEnd) unexpected("an operator or the end of the condition");
    const Type type = types_[static_cast<std::size_t>(condition.root)];
    if (type != Type::kBool && type != Type::kAny) {
      fail(column, std::string("the condition is ") + typeName(type) + "; expected true or false");
    }
    return condition;
  }

 private:
  void advance() { current_ = lexer_.next(); }

  [[noreturn]] void unexpected(const std::string& expected) {
    std::string found;
    switch (current_.kind) {
      case TokenKind::kEnd:
        found = "the end of the condition";
        break;
      case TokenKind::kString:
        found = "a string";
        break;
      case TokenKind::kNumber:
        found = "a number";
        break;
      case TokenKind::kIdent:
        if (isUnsupportedWord(current_.text)) {
          fail(current_.column, "operator '" + current_.text + "' is not supported");
        }
        found = "'" + current_.text + "'";
        break;
      case TokenKind::kLeftParen:
        found = "'('";
        break;
      case TokenKind::kRightParen:
        found = "')'";
        break;
      case TokenKind::kDot:
        found = "'.'";
        break;
      case TokenKind::kOperator:
        found = "'" + current_.text + "'";
        break;
    }
    fail(current_.column, "expected " + expected + ", found " + found);
  }

  int add(ConditionNode node, Type type) {
    if (nodes_->size() >= kConditionMaxNodes) {
      fail(node.column, "the condition is too long (more than " +
                            std::to_string(kConditionMaxNodes) + " terms)");
    }
    nodes_->push_back(std::move(node));
    types_.push_back(type);
    return static_cast<int>(nodes_->size() - 1);
  }

  Type typeOf(int node) const { return types_[static_cast<std::size_t>(node)]; }

  void requireBool(int operand, const std::string& op) {
    const Type type = typeOf(operand);
    if (type != Type::kBool && type != Type::kAny) {
      fail((*nodes_)[static_cast<std::size_t>(operand)].column,
           "'" + op + "' needs true or false, found " + typeName(type));
    }
  }

  int expression(int minPrecedence, int depth) {
    if (depth > kConditionMaxDepth) {
      fail(current_.column, "the condition is nested too deeply (more than " +
                                std::to_string(kConditionMaxDepth) + " levels)");
    }
    int left = unary(depth);
    for (int precedence = binaryPrecedence(current_);
         precedence >= 0 && precedence >= minPrecedence; precedence = binaryPrecedence(current_)) {
      const Token op = current_;
      advance();
      int right = expression(precedence + 1, depth + 1);
      left = binary(op, left, right);
    }
    return left;
  }

  int binary(const Token& op, int left, int right) {
    ConditionNode node;
    node.column = op.column;
    node.left = left;
    node.right = right;
    const std::string name = op.text;
    if (name == "&&" || name == "and" || name == "||" || name == "or") {
      requireBool(left, name);
      requireBool(right, name);
      node.kind = name == "&&" || name == "and" ? Kind::kAnd : Kind::kOr;
      return add(std::move(node), Type::kBool);
    }
    node.kind = Kind::kCompare;
    node.text = name;
    if (name != "==" && name != "!=") {
      const Type a = typeOf(left);
      const Type b = typeOf(right);
      for (Type t : {a, b}) {
        if (t != Type::kAny && t != Type::kNumber && t != Type::kString) {
          fail(op.column, "'" + name + "' compares numbers or strings, found " + typeName(t));
        }
      }
      if (a != Type::kAny && b != Type::kAny && a != b) {
        fail(op.column, "'" + name + "' cannot compare " + typeName(a) + " with " + typeName(b));
      }
    }
    return add(std::move(node), Type::kBool);
  }

  int unary(int depth) {
    if (isUnary(current_)) {
      const Token op = current_;
      advance();
      if (depth + 1 > kConditionMaxDepth) {
        fail(op.column, "the condition is nested too deeply (more than " +
                            std::to_string(kConditionMaxDepth) + " levels)");
      }
      // As in expr, the operand binds tighter than any binary operator: `not A == B` is
      // `(not A) == B`.
      int operand = expression(50, depth + 1);
      requireBool(operand, op.text);
      ConditionNode node;
      node.kind = Kind::kNot;
      node.column = op.column;
      node.left = operand;
      return add(std::move(node), Type::kBool);
    }
    return primary(depth);
  }

  int primary(int depth) {
    ConditionNode node;
    node.column = current_.column;
    switch (current_.kind) {
      case TokenKind::kNumber:
        node.kind = Kind::kNumber;
        node.number = current_.number;
        advance();
        return add(std::move(node), Type::kNumber);
      case TokenKind::kString:
        node.kind = Kind::kString;
        node.text = current_.text;
        advance();
        return add(std::move(node), Type::kString);
      case TokenKind::kLeftParen: {
        advance();
        int inner = expression(0, depth + 1);
        if (current_.kind != TokenKind::kRightParen) unexpected("')'");
        advance();
        return inner;
      }
      case TokenKind::kIdent:
        return identifier(std::move(node));
      default:
        unexpected("a value, a field, WinnerFound(), CandidateWon(), '!', 'not' or '('");
    }
  }

  int identifier(ConditionNode node) {
    const std::string word = current_.text;
    if (word == "true" || word == "false") {
      node.kind = Kind::kBool;
      node.boolean = word == "true";
      advance();
      return add(std::move(node), Type::kBool);
    }
    if (word == "nil") {
      node.kind = Kind::kNil;
      advance();
      return add(std::move(node), Type::kNil);
    }
    if (word == "and" || word == "or" || word == "not" || isUnsupportedWord(word)) {
      unexpected("a value, a field, WinnerFound(), CandidateWon(), '!', 'not' or '('");
    }
    node.kind = Kind::kField;
    node.path.push_back(word);
    advance();
    while (current_.kind == TokenKind::kDot) {
      advance();
      if (current_.kind != TokenKind::kIdent) unexpected("a field name after '.'");
      node.path.push_back(current_.text);
      advance();
    }
    if (current_.kind != TokenKind::kLeftParen) return add(std::move(node), Type::kAny);
    // A call: only the two methods of etc3's Experiment, without arguments.
    std::string name;
    for (const auto& part : node.path) name += (name.empty() ? "" : ".") + part;
    if (node.path.size() != 1 || (name != "WinnerFound" && name != "CandidateWon")) {
      fail(node.column,
           "unknown function " + name + "(); supported: WinnerFound(), CandidateWon()");
    }
    advance();
    if (current_.kind != TokenKind::kRightParen)
      unexpected("')': " + name + "() takes no arguments");
    advance();
    node.kind = Kind::kCall;
    node.text = name;
    node.path.clear();
    return add(std::move(node), Type::kBool);
  }

  Lexer lexer_;
  Token current_;
  std::vector<ConditionNode>* nodes_ = nullptr;
  std::vector<Type> types_;
};

}  // namespace

Condition parseCondition(std::string_view text) {
  Parser parser(text);
  return parser.parse(text);
}

}  // namespace iter8
