// Parser for the template engine: Go's text/template/parse, minus {{define}}, {{template}} and
// {{block}} (refused as unsupported).
#pragma once

#include <string_view>
#include <vector>

#include "host/template/lexer.h"
#include "host/template/tree.h"

namespace iter8::template_internal {

// How deeply if, range, with and parenthesised pipelines may nest. Go has no such limit; ours
// keeps the parser's and the executor's recursion bounded whatever the input.
constexpr int kMaxNesting = 100;

// The tree of `text`, whose tokens are `tokens` (lexTemplate). Throws a TemplateError with
// Go's message, on the line Go reports, for anything Go refuses to parse.
std::vector<Node> parseTemplate(std::string_view text, std::vector<Token> tokens);

// Whether `name` is one of Go's builtin functions (all are known to the parser; a few are
// refused when called, see functions.cpp).
bool isBuiltinFunction(std::string_view name);

}  // namespace iter8::template_internal
