// A recursive-descent parser shaped like Go's (same peek/backup discipline and the same order of
// checks), so the first error found, and the line it is reported on, are the ones Go reports.
#include "host/template/parser.h"

#include <algorithm>

#include "host/template/number.h"

namespace iter8::template_internal {

bool isBuiltinFunction(std::string_view name) {
  static constexpr std::string_view builtins[] = {
      "and",    "call",    "html",     "index", "slice", "js", "len", "not", "or", "print",
      "printf", "println", "urlquery", "eq",    "ge",    "gt", "le",  "lt",  "ne"};
  return std::find(std::begin(builtins), std::end(builtins), name) != std::end(builtins);
}

namespace {

// Go's rendering of a token in "unexpected ..." messages.
std::string describeToken(const Token& token) {
  if (token.kind == TokenKind::kEof) return "EOF";
  if (isKeyword(token.kind)) return "<" + token.text + ">";
  if (token.text.size() > 10) return goQuote(token.text, 10) + "...";
  return goQuote(token.text);
}

// What ended an item list: Go's {{end}} and {{else}} nodes.
enum class ListEnd { kEnd, kElse };

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  std::vector<Node> parse() {
    std::vector<Node> root;
    while (peek().kind != TokenKind::kEof) {
      if (peek().kind == TokenKind::kLeftDelim) {  // Go looks for {{define}} here
        const std::size_t mark = cursor_;
        next();
        const Token& keyword = nextNonSpace();
        if (keyword.kind == TokenKind::kDefine) unsupported(keyword, "template definition");
        cursor_ = mark;
      }
      Node node;
      if (const auto end = textOrAction(node)) {
        fail(*end == ListEnd::kEnd ? "unexpected {{end}}" : "unexpected {{else}}");
      }
      root.push_back(std::move(node));
    }
    return root;
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
  [[noreturn]] void unsupported(const Token& token, const std::string& construct) const {
    throwAt(text_, token.pos,
            "unsupported " + construct + " " + goQuote(token.text) +
                ": define, template and block are not supported");
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
  const Token& expect(TokenKind kind, const std::string& context) {
    const Token& token = nextNonSpace();
    if (token.kind != kind) unexpected(token, context);
    return token;
  }
  void enterNesting() {
    if (++depth_ > kMaxNesting) {
      fail("if, range, with and parentheses nest deeper than " + std::to_string(kMaxNesting) +
           " levels");
    }
  }

  // Fills `node` with text or an action; returns how a list ends when it meets end or else.
  std::optional<ListEnd> textOrAction(Node& node) {
    const Token& token = nextNonSpace();
    if (token.kind == TokenKind::kText) {
      node.kind = Node::Kind::kText;
      node.pos = token.pos;
      node.text = token.text;
      return std::nullopt;
    }
    if (token.kind != TokenKind::kLeftDelim) unexpected(token, "input");
    // As Go's actionLine: set for each action and cleared when it ends, even when that action
    // was the body of an enclosing if, range or with.
    actionStart_ = token.pos;
    auto end = action(node);
    actionStart_.reset();
    return end;
  }

  std::optional<ListEnd> itemList(std::vector<Node>& list) {
    while (peekNonSpace().kind != TokenKind::kEof) {
      Node node;
      if (const auto end = textOrAction(node)) return end;
      list.push_back(std::move(node));
    }
    fail("unexpected EOF");
  }

  std::optional<ListEnd> action(Node& node) {
    const Token& token = nextNonSpace();
    switch (token.kind) {
      case TokenKind::kBlock:
      case TokenKind::kTemplate:
        unsupported(token, "control action");
      case TokenKind::kBreak:
      case TokenKind::kContinue: {
        const bool isBreak = token.kind == TokenKind::kBreak;
        const std::string name = isBreak ? "{{break}}" : "{{continue}}";
        node.kind = isBreak ? Node::Kind::kBreak : Node::Kind::kContinue;
        node.pos = token.pos;
        const Token& after = nextNonSpace();
        if (after.kind != TokenKind::kRightDelim) unexpected(after, name);
        if (rangeDepth_ == 0) fail(name + " outside {{range}}");
        return std::nullopt;
      }
      case TokenKind::kElse: {
        // "{{else if" leaves the if for parseControl; otherwise "}}" must follow.
        if (peekNonSpace().kind != TokenKind::kIf) expect(TokenKind::kRightDelim, "else");
        return ListEnd::kElse;
      }
      case TokenKind::kEnd:
        expect(TokenKind::kRightDelim, "end");
        return ListEnd::kEnd;
      case TokenKind::kIf:
        control(node, Node::Kind::kIf, "if");
        return std::nullopt;
      case TokenKind::kRange:
        control(node, Node::Kind::kRange, "range");
        return std::nullopt;
      case TokenKind::kWith:
        control(node, Node::Kind::kWith, "with");
        return std::nullopt;
      default:
        break;
    }
    backup();
    node.kind = Node::Kind::kAction;
    node.pos = peek().pos;
    // Variables declared here persist until the end of the enclosing control structure.
    node.pipe = pipeline("command", TokenKind::kRightDelim);
    return std::nullopt;
  }

  // Go's parseControl: {{if|range|with pipeline}} list [{{else}} list] {{end}}.
  void control(Node& node, Node::Kind kind, const std::string& context) {
    enterNesting();
    const std::size_t varCount = vars_.size();
    node.kind = kind;
    node.pipe = pipeline(context, TokenKind::kRightDelim);
    node.pos = node.pipe->pos;
    if (kind == Node::Kind::kRange) ++rangeDepth_;
    const ListEnd end = *itemList(node.list);
    if (kind == Node::Kind::kRange) --rangeDepth_;
    if (end == ListEnd::kElse) {
      node.hasElse = true;
      if (kind == Node::Kind::kIf && peek().kind == TokenKind::kIf) {
        // {{else if b}} is {{else}}{{if b}}...{{end}}{{end}} with the inner end implied.
        next();
        Node inner;
        control(inner, Node::Kind::kIf, "if");
        node.elseList.push_back(std::move(inner));
      } else if (*itemList(node.elseList) != ListEnd::kEnd) {
        fail("expected end; found {{else}}");
      }
    }
    vars_.resize(varCount);
    --depth_;
  }

  std::unique_ptr<Pipe> pipeline(const std::string& context, TokenKind end) {
    auto pipe = std::make_unique<Pipe>();
    pipe->pos = peekNonSpace().pos;
    while (peekNonSpace().kind == TokenKind::kVariable) {  // declarations
      const std::size_t mark = cursor_;
      const Token& variable = next();
      const Token& after = peekNonSpace();
      if (after.kind == TokenKind::kAssign || after.kind == TokenKind::kDeclare) {
        pipe->isAssign = after.kind == TokenKind::kAssign;
        nextNonSpace();
        pipe->decl.push_back({variable.text, variable.pos});
        vars_.push_back(variable.text);
        break;
      }
      if (after.kind == TokenKind::kChar && after.text == ",") {
        nextNonSpace();
        pipe->decl.push_back({variable.text, variable.pos});
        vars_.push_back(variable.text);
        if (context == "range" && pipe->decl.size() < 2) {
          const TokenKind following = peekNonSpace().kind;
          if (following == TokenKind::kVariable || following == TokenKind::kRightDelim ||
              following == TokenKind::kRightParen) {
            continue;  // the second variable of a range
          }
          fail("range can only initialize variables");
        }
        fail("too many declarations in " + context);
      }
      cursor_ = mark;  // a variable used as an operand
      break;
    }
    for (;;) {
      const Token& token = nextNonSpace();
      if (token.kind == end) {
        checkPipeline(*pipe, context);
        return pipe;
      }
      switch (token.kind) {
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
          pipe->cmds.push_back(command());
          break;
        default:
          unexpected(token, context);
      }
    }
  }

  void checkPipeline(const Pipe& pipe, const std::string& context) const {
    if (pipe.cmds.empty()) fail("missing value for " + context);
    for (std::size_t i = 1; i < pipe.cmds.size(); ++i) {
      switch (pipe.cmds[i].args[0].kind) {
        case Arg::Kind::kBool:
        case Arg::Kind::kDot:
        case Arg::Kind::kNil:
        case Arg::Kind::kNumber:
        case Arg::Kind::kString:
          fail("non executable command in pipeline stage " + std::to_string(i + 1));
        default:
          break;
      }
    }
  }

  Command command() {
    Command cmd;
    cmd.pos = peekNonSpace().pos;
    for (;;) {
      peekNonSpace();
      if (auto arg = operand()) cmd.args.push_back(std::move(*arg));
      const Token& token = next();
      if (token.kind == TokenKind::kSpace) continue;
      if (token.kind == TokenKind::kRightDelim || token.kind == TokenKind::kRightParen) {
        backup();
      } else if (token.kind != TokenKind::kPipe) {
        unexpected(token, "operand");
      }
      break;
    }
    if (cmd.args.empty()) fail("empty command");
    return cmd;
  }

  std::optional<Arg> operand() {
    auto value = term();
    if (!value || peek().kind != TokenKind::kField) return value;
    const std::size_t chainPos = peek().pos;  // Go places a chain where its first field starts
    std::vector<std::string> fields;
    while (peek().kind == TokenKind::kField) fields.push_back(next().text.substr(1));
    switch (value->kind) {
      case Arg::Kind::kField:
      case Arg::Kind::kVariable:
        value->idents.insert(value->idents.end(), fields.begin(), fields.end());
        value->pos = chainPos;
        return value;
      case Arg::Kind::kBool:
      case Arg::Kind::kString:
      case Arg::Kind::kNumber:
      case Arg::Kind::kNil:
      case Arg::Kind::kDot:
        fail("unexpected . after term " + goQuote(toString(*value)));
      default: {
        Arg chain;
        chain.kind = Arg::Kind::kChain;
        chain.pos = chainPos;
        chain.idents = std::move(fields);
        chain.term = std::make_unique<Arg>(std::move(*value));
        return chain;
      }
    }
  }

  // Long on purpose: it follows Go's text/template/parse (*Tree).term, to stay comparable.
  std::optional<Arg> term() {
    const Token& token = nextNonSpace();
    Arg arg;
    arg.pos = token.pos;
    arg.text = token.text;
    switch (token.kind) {
      case TokenKind::kIdentifier:
        if (!isBuiltinFunction(token.text))
          fail("function " + goQuote(token.text) + " not defined");
        arg.kind = Arg::Kind::kIdentifier;
        return arg;
      case TokenKind::kDot:
        arg.kind = Arg::Kind::kDot;
        return arg;
      case TokenKind::kNil:
        arg.kind = Arg::Kind::kNil;
        return arg;
      case TokenKind::kVariable:
        if (std::find(vars_.begin(), vars_.end(), token.text) == vars_.end()) {
          fail("undefined variable " + goQuote(token.text));
        }
        arg.kind = Arg::Kind::kVariable;
        arg.idents = {token.text};
        return arg;
      case TokenKind::kField:
        arg.kind = Arg::Kind::kField;
        arg.idents = {token.text.substr(1)};
        return arg;
      case TokenKind::kBool:
        arg.kind = Arg::Kind::kBool;
        arg.boolValue = token.text == "true";
        return arg;
      case TokenKind::kCharConstant:
      case TokenKind::kComplex:
      case TokenKind::kNumber: {
        std::string error;
        auto number = parseNumber(token, error);
        if (!number) fail(error);
        arg.kind = Arg::Kind::kNumber;
        arg.number = *number;
        return arg;
      }
      case TokenKind::kLeftParen: {
        enterNesting();
        arg.kind = Arg::Kind::kPipe;
        arg.pipe = pipeline("parenthesized pipeline", TokenKind::kRightParen);
        arg.pos = arg.pipe->pos;
        --depth_;
        return arg;
      }
      case TokenKind::kString:
      case TokenKind::kRawString: {
        auto value = unquote(token);
        if (!value) fail("invalid syntax");  // strconv.ErrSyntax
        arg.kind = Arg::Kind::kString;
        arg.stringValue = std::move(*value);
        return arg;
      }
      default:
        backup();
        return std::nullopt;
    }
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t cursor_ = 0;
  std::size_t furthest_ = 0;
  std::optional<std::size_t> actionStart_;  // where the action being parsed begins
  std::vector<std::string> vars_{"$"};      // variables in scope, as Go's t.vars
  int rangeDepth_ = 0;
  int depth_ = 0;
};

}  // namespace

std::vector<Node> parseTemplate(std::string_view text, std::vector<Token> tokens) {
  return Parser(text, std::move(tokens)).parse();
}

}  // namespace iter8::template_internal
