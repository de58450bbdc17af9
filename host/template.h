// Interpolation of task inputs: a C++ stand-in for the subset of Go's text/template that
// experiment files use, so templates written for the Go handler render byte for byte the same.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace iter8 {

// Parse or execution problem. The message starts "template: LINE:COL: ", where LINE is 1-based
// and COL is the 0-based byte offset within the line, the convention of Go's exec errors.
class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Action delimiters; an empty one means the default, as with Go's Template.Delims.
struct TemplateDelims {
  std::string left = "{{";
  std::string right = "}}";
};

// Renders `text` against `data` (a JSON value, normally an object) as Go's text/template would
// with the data decoded by encoding/json into interface{}.
//
// Supported: literal text; actions holding `.`, a field chain `.a.b.c`, or a number or boolean
// constant; trim markers `{{- ` and ` -}}`; comments `{{/* ... */}}`; custom delimiters. Values
// print like Go's fmt %v (no HTML escaping); a missing key prints "<no value>".
// Everything else (if, range, with, define, functions, pipelines, variables, string constants)
// throws a TemplateError naming the construct and where it is. As in Go, the whole text is
// parsed before anything runs, and what Go only rejects when executing (nil, arguments,
// constants we do not evaluate) is reported when that action runs.
std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateDelims& delims = {});

}  // namespace iter8
