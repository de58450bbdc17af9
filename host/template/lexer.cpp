#include "host/template/lexer.h"

#include <cstdio>

#include <locale.h>
#include <wctype.h>

namespace iter8::template_internal {
namespace {

constexpr char32_t kEofRune = 0xFFFFFFFF;
constexpr char32_t kRuneError = 0xFFFD;
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr std::size_t kTrimMarkerLen = 2;  // "- " after a left delimiter, " -" before a right one

}  // namespace

char32_t decodeRune(std::string_view text, std::size_t pos, std::size_t& width) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char b0 = byte(0);
  width = 1;
  if (b0 < 0x80) return b0;
  std::size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0;
  if (len == 0 || b0 >= 0xF5 || pos + len > text.size()) return kRuneError;
  char32_t r = b0 & (0x7F >> len);
  for (std::size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return kRuneError;
    r = (r << 6) | (byte(i) & 0x3F);
  }
  const char32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (r < minimum[len] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return kRuneError;
  width = len;
  return r;
}

namespace {

// Go's isSpace inside actions: only these four count, not other Unicode spaces.
bool isSpace(char32_t r) {
  return r == ' ' || r == '\t' || r == '\r' || r == '\n';
}

// Go's unicode.IsLetter/IsDigit for runes beyond ASCII. glibc's C.UTF-8 classification is the
// closest thing at hand; without it every non-ASCII rune counts as a letter.
bool isUnicodeLetterOrDigit(char32_t r) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  if (utf8 == static_cast<locale_t>(0)) return true;
  return iswalpha_l(static_cast<wint_t>(r), utf8) != 0 ||
         iswdigit_l(static_cast<wint_t>(r), utf8) != 0;
}

bool isAlphaNumeric(char32_t r) {
  if (r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
    return true;
  }
  return r >= 0x80 && r != kEofRune && r != kRuneError && isUnicodeLetterOrDigit(r);
}

bool isPrintableAscii(char32_t r) {
  return r >= 0x20 && r < 0x7F;
}

bool hasLeftTrimMarker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && isSpace(static_cast<unsigned char>(s[1]));
}

bool hasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && isSpace(static_cast<unsigned char>(s[0])) && s[1] == '-';
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::size_t leadingSpaceLength(std::string_view s) {
  const auto end = s.find_first_not_of(" \t\r\n");
  return end == std::string_view::npos ? s.size() : end;
}

std::size_t trailingSpaceLength(std::string_view s) {
  const auto last = s.find_last_not_of(" \t\r\n");
  return last == std::string_view::npos ? s.size() : s.size() - last - 1;
}

// The lexer is a state machine like Go's: each state consumes some input, may emit tokens and
// names the next state.
class Lexer {
 public:
  Lexer(std::string_view input, std::string_view left, std::string_view right)
      : input_(input), left_(left), right_(right) {}

  std::vector<Token> run() {
    State state = State::kText;
    while (state != State::kStop) state = step(state);
    return std::move(tokens_);
  }

 private:
  enum class State {
    kStop,
    kText,
    kLeftDelim,
    kComment,
    kRightDelim,
    kInsideAction,
    kSpace,
    kQuote,
    kRawQuote,
    kCharConstant,
    kNumber,
    kField,
    kVariable,
    kIdentifier,
  };

  State step(State state) {
    switch (state) {
      case State::kText:
        return lexText();
      case State::kLeftDelim:
        return lexLeftDelim();
      case State::kComment:
        return lexComment();
      case State::kRightDelim:
        return lexRightDelim();
      case State::kInsideAction:
        return lexInsideAction();
      case State::kSpace:
        return lexSpace();
      case State::kQuote:
        return lexQuoted('"', TokenKind::kString, "unterminated quoted string");
      case State::kCharConstant:
        return lexQuoted('\'', TokenKind::kCharConstant, "unterminated character constant");
      case State::kRawQuote:
        return lexRawQuote();
      case State::kNumber:
        return lexNumber();
      case State::kField:
        return lexFieldOrVariable(TokenKind::kField);
      case State::kVariable:
        return lexFieldOrVariable(TokenKind::kVariable);
      case State::kIdentifier:
        return lexIdentifier();
      case State::kStop:
        break;
    }
    return State::kStop;
  }

  std::string_view rest() const { return input_.substr(pos_); }

  char32_t next() {
    if (pos_ >= input_.size()) {
      width_ = 0;
      return kEofRune;
    }
    const char32_t r = decodeRune(input_, pos_, width_);
    pos_ += width_;
    return r;
  }
  void backup() { pos_ -= width_; }
  char32_t peek() {
    const char32_t r = next();
    backup();
    return r;
  }
  bool accept(std::string_view valid) {
    if (pos_ < input_.size() && valid.find(input_[pos_]) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }
  void acceptRun(std::string_view valid) {
    while (accept(valid)) {
    }
  }

  void emit(TokenKind kind) {
    tokens_.push_back({kind, start_, std::string(input_.substr(start_, pos_ - start_))});
    start_ = pos_;
  }
  void ignore() { start_ = pos_; }
  State fail(std::string message) {
    tokens_.push_back({TokenKind::kError, start_, std::move(message)});
    return State::kStop;
  }

  // Is the input at a right delimiter, and is it preceded by a trim marker?
  bool atRightDelim(bool& trim) const {
    trim = hasRightTrimMarker(rest()) && startsWith(rest().substr(kTrimMarkerLen), right_);
    return trim || startsWith(rest(), right_);
  }

  // Can a field, variable or identifier end here?
  bool atTerminator() {
    const char32_t r = peek();
    if (isSpace(r) || r == kEofRune) return true;
    if (r == '.' || r == ',' || r == '|' || r == ':' || r == ')' || r == '(') return true;
    return startsWith(rest(), right_);
  }

  State lexText() {
    const auto found = input_.find(left_, pos_);
    if (found == std::string_view::npos) {
      pos_ = input_.size();
      if (pos_ > start_) emit(TokenKind::kText);
      emit(TokenKind::kEof);
      return State::kStop;
    }
    pos_ = found;
    std::size_t trimmed = 0;
    if (hasLeftTrimMarker(input_.substr(pos_ + left_.size()))) {
      trimmed = trailingSpaceLength(input_.substr(start_, pos_ - start_));
    }
    pos_ -= trimmed;
    if (pos_ > start_) emit(TokenKind::kText);
    pos_ += trimmed;
    ignore();
    return State::kLeftDelim;
  }

  State lexLeftDelim() {
    pos_ += left_.size();
    const std::size_t afterMarker = hasLeftTrimMarker(rest()) ? kTrimMarkerLen : 0;
    // A comment must start right after the delimiter (and its trim marker, if any).
    if (startsWith(rest().substr(afterMarker), kLeftComment)) {
      pos_ += afterMarker;
      ignore();
      return State::kComment;
    }
    emit(TokenKind::kLeftDelim);
    pos_ += afterMarker;
    ignore();
    parenDepth_ = 0;
    return State::kInsideAction;
  }

  State lexComment() {
    pos_ += kLeftComment.size();
    const auto end = input_.find(kRightComment, pos_);
    if (end == std::string_view::npos) return fail("unclosed comment");
    pos_ = end + kRightComment.size();
    bool trim = false;
    if (!atRightDelim(trim)) return fail("comment ends before closing delimiter");
    pos_ += (trim ? kTrimMarkerLen : 0) + right_.size();
    if (trim) pos_ += leadingSpaceLength(rest());
    ignore();
    return State::kText;
  }

  State lexRightDelim() {
    const bool trim = hasRightTrimMarker(rest());
    if (trim) {
      pos_ += kTrimMarkerLen;
      ignore();
    }
    pos_ += right_.size();
    emit(TokenKind::kRightDelim);
    if (trim) {
      pos_ += leadingSpaceLength(rest());
      ignore();
    }
    return State::kText;
  }

  // Long on purpose: it follows Go's text/template/parse lexInsideAction, to stay comparable.
  State lexInsideAction() {
    bool trim = false;
    if (atRightDelim(trim)) {
      return parenDepth_ == 0 ? State::kRightDelim : fail("unclosed left paren");
    }
    const char32_t r = next();
    if (r == kEofRune) return fail("unclosed action");
    if (isSpace(r)) {
      backup();
      return State::kSpace;
    }
    switch (r) {
      case '=':
        emit(TokenKind::kAssign);
        return State::kInsideAction;
      case ':':
        if (next() != '=') return fail("expected :=");
        emit(TokenKind::kDeclare);
        return State::kInsideAction;
      case '|':
        emit(TokenKind::kPipe);
        return State::kInsideAction;
      case '"':
        return State::kQuote;
      case '`':
        return State::kRawQuote;
      case '$':
        return State::kVariable;
      case '\'':
        return State::kCharConstant;
      case '(':
        emit(TokenKind::kLeftParen);
        ++parenDepth_;
        return State::kInsideAction;
      case ')':
        emit(TokenKind::kRightParen);
        if (--parenDepth_ < 0) return fail("unexpected right paren " + goRuneName(r));
        return State::kInsideAction;
      case '.':
        // "." before a non-digit starts a field or is dot itself; ".5", and as in Go a "." at
        // the very end, go on as a number.
        if (pos_ < input_.size() && (input_[pos_] < '0' || input_[pos_] > '9')) {
          return State::kField;
        }
        backup();
        return State::kNumber;
      default:
        break;
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      backup();
      return State::kNumber;
    }
    if (isAlphaNumeric(r)) {
      backup();
      return State::kIdentifier;
    }
    if (isPrintableAscii(r)) {
      emit(TokenKind::kChar);
      return State::kInsideAction;
    }
    return fail("unrecognized character in action: " + goRuneName(r));
  }

  State lexSpace() {
    std::size_t count = 0;
    while (isSpace(peek())) {
      next();
      ++count;
    }
    // The last space may belong to a " -" trim marker of the closing delimiter.
    const std::string_view fromLastSpace = input_.substr(pos_ - 1);
    if (hasRightTrimMarker(fromLastSpace) &&
        startsWith(fromLastSpace.substr(kTrimMarkerLen), right_)) {
      --pos_;
      if (count == 1) return State::kRightDelim;
    }
    emit(TokenKind::kSpace);
    return State::kInsideAction;
  }

  State lexQuoted(char32_t quote, TokenKind kind, const char* unterminated) {
    for (;;) {
      char32_t r = next();
      if (r == '\\') {  // skip the escaped rune, which may not be a newline
        const char32_t escaped = next();
        r = (escaped == kEofRune || escaped == '\n') ? kEofRune : 0;
      }
      if (r == kEofRune || r == '\n') return fail(unterminated);
      if (r == quote) break;
    }
    emit(kind);
    return State::kInsideAction;
  }

  State lexRawQuote() {
    for (char32_t r = next(); r != '`'; r = next()) {
      if (r == kEofRune) return fail("unterminated raw quoted string");
    }
    emit(TokenKind::kRawString);
    return State::kInsideAction;
  }

  // Go's number syntax: sign, base prefixes, underscores, fractions, exponents, imaginary.
  bool scanNumber() {
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (accept("oO")) {
        digits = "01234567_";
      } else if (accept("bB")) {
        digits = "01_";
      }
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.size() == 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  }

  State lexNumber() {
    const auto badSyntax = [this] {
      return fail("bad number syntax: " + goQuote(input_.substr(start_, pos_ - start_)));
    };
    if (!scanNumber()) return badSyntax();
    const char32_t sign = peek();
    if (sign == '+' || sign == '-') {  // complex: 1+2i
      if (!scanNumber() || input_[pos_ - 1] != 'i') return badSyntax();
      emit(TokenKind::kComplex);
    } else {
      emit(TokenKind::kNumber);
    }
    return State::kInsideAction;
  }

  // After the "." or "$" that starts it.
  State lexFieldOrVariable(TokenKind kind) {
    if (atTerminator()) {  // a lone "." or "$"
      emit(kind == TokenKind::kField ? TokenKind::kDot : TokenKind::kVariable);
      return State::kInsideAction;
    }
    char32_t r = 0;
    do {
      r = next();
    } while (isAlphaNumeric(r));
    backup();
    if (!atTerminator()) return fail("bad character " + goRuneName(r));
    emit(kind);
    return State::kInsideAction;
  }

  State lexIdentifier() {
    char32_t r = 0;
    do {
      r = next();
    } while (isAlphaNumeric(r));
    backup();
    if (!atTerminator()) return fail("bad character " + goRuneName(r));
    const std::string_view word = input_.substr(start_, pos_ - start_);
    // Go 1.19 lexes "break" and "continue" as keywords everywhere (the parser then refuses
    // them outside range), unless a function of that name is defined, which never happens here.
    static const std::pair<std::string_view, TokenKind> keywords[] = {
        {"block", TokenKind::kBlock},
        {"break", TokenKind::kBreak},
        {"continue", TokenKind::kContinue},
        {"define", TokenKind::kDefine},
        {"else", TokenKind::kElse},
        {"end", TokenKind::kEnd},
        {"if", TokenKind::kIf},
        {"nil", TokenKind::kNil},
        {"range", TokenKind::kRange},
        {"template", TokenKind::kTemplate},
        {"with", TokenKind::kWith},
        {"true", TokenKind::kBool},
        {"false", TokenKind::kBool},
    };
    for (const auto& [name, kind] : keywords) {
      if (word == name) {
        emit(kind);
        return State::kInsideAction;
      }
    }
    emit(TokenKind::kIdentifier);
    return State::kInsideAction;
  }

  std::string_view input_, left_, right_;
  std::size_t pos_ = 0, start_ = 0, width_ = 0;
  int parenDepth_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

bool isKeyword(TokenKind kind) {
  return kind >= TokenKind::kBlock;
}

std::vector<Token> lexTemplate(std::string_view input, std::string_view leftDelim,
                               std::string_view rightDelim) {
  return Lexer(input, leftDelim.empty() ? "{{" : leftDelim, rightDelim.empty() ? "}}" : rightDelim)
      .run();
}

std::string goQuote(std::string_view text, std::size_t maxRunes) {
  std::string out = "\"";
  std::size_t pos = 0;
  for (std::size_t runes = 0; pos < text.size() && runes < maxRunes; ++runes) {
    std::size_t width = 0;
    const char32_t r = decodeRune(text, pos, width);
    char buf[8];
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (isPrintableAscii(r) || (r >= 0xA0 && !(r == kRuneError && width == 1))) {
      appendUtf8(out, r);
    } else if (r < 0x80 || (r == kRuneError && width == 1)) {
      static const std::string_view named = "\a\b\f\n\r\t\v", letters = "abfnrtv";
      const auto i = r < 0x80 ? named.find(static_cast<char>(r)) : std::string_view::npos;
      if (i != std::string_view::npos) {
        out += '\\';
        out += letters[i];
      } else {
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(text[pos]));
        out += buf;
      }
    } else {  // C1 control characters
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r));
      out += buf;
    }
    pos += width;
  }
  return out + "\"";
}

std::string goRuneName(char32_t r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (isPrintableAscii(r) || r >= 0xA0) {
    out += " '";
    appendUtf8(out, r);
    out += "'";
  }
  return out;
}

}  // namespace iter8::template_internal
