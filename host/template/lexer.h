// Tokenizer for the template engine. It follows the token rules of Go's text/template lexer for
// the whole action language, not just the subset we execute: token boundaries and lexical
// errors must match Go's so that templates fail where, and how, Go would fail them.
#pragma once

#include <cstdint>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iter8::template_internal {

enum class TokenKind {
  kError,  // lexical error; `text` holds the message and lexing stops
  kEof,
  kText,  // literal text between actions
  kLeftDelim,
  kRightDelim,
  kSpace,  // run of spaces, tabs and newlines inside an action
  kField,  // ".name"
  kIdentifier,
  kVariable,  // "$" or "$name"
  kNumber,
  kComplex,
  kCharConstant,
  kString,
  kRawString,
  kBool,
  kChar,  // any other printable ASCII character inside an action
  kPipe,
  kAssign,
  kDeclare,
  kLeftParen,
  kRightParen,
  // Keywords; Go prints these as <word> in "unexpected" messages.
  kBlock,
  kBreak,
  kContinue,
  kDefine,
  kDot,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Token {
  TokenKind kind;
  std::size_t pos;   // byte offset of the token in the template text
  std::string text;  // the token's source text, or the message of a kError
};

bool isKeyword(TokenKind kind);

// Tokens of `input`, ending with kEof or, after a lexical error, with kError. Comments and the
// whitespace removed by trim markers produce no tokens.
std::vector<Token> lexTemplate(std::string_view input, std::string_view leftDelim,
                               std::string_view rightDelim);

// Go's %q of `text`, cut to its first `maxRunes` runes first (like "%.10q").
std::string goQuote(std::string_view text, std::size_t maxRunes = std::string_view::npos);

// The value of a kString or kRawString token as Go's strconv.Unquote decodes it; nullopt for
// what it rejects (an unknown escape, a bad \x, \u, \U or octal escape).
std::optional<std::string> unquote(const Token& token);

// Appends code point `r` to `out` as UTF-8.
void appendUtf8(std::string& out, std::uint32_t r);

// Decodes the UTF-8 rune at `text[pos]` (pos < size); invalid bytes decode as U+FFFD of
// width 1, as in Go.
char32_t decodeRune(std::string_view text, std::size_t pos, std::size_t& width);

// Go's %#U of rune `r`, e.g. "U+002D '-'".
std::string goRuneName(char32_t r);

}  // namespace iter8::template_internal
