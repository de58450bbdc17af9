// Number and character constants as Go's parse.newNumber reads them.
#pragma once

#include <optional>
#include <string>

#include "host/template/lexer.h"
#include "host/template/tree.h"

namespace iter8::template_internal {

// The constant of a kNumber, kCharConstant or kComplex token, or nullopt with Go's parse error
// in `error` ("illegal number syntax: \"1.2.3\"", "integer overflow: ...", "invalid syntax").
std::optional<Number> parseNumber(const Token& token, std::string& error);

}  // namespace iter8::template_internal
