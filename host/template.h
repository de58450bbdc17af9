// Interpolation of task inputs: a C++ stand-in for the subset of Go's text/template that
// experiment files use, so templates written for the Go handler render byte for byte the same.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

// What a caller may add to Go's behaviour. The default changes nothing.
struct TemplateOptions {
  TemplateDelims delims;
  // Top-level data members that templates may call with one string argument, as Go calls a
  // method: `.Secret "token"` is member "token" of the object `.Secret`. Such a member cannot
  // be printed whole or walked as a field chain; a key it lacks is an error naming the key.
  std::vector<std::string> callables;
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
// constants we do not evaluate) is reported when that action runs. The one extension, off
// unless options name callables: `.Name "key"` for a callable member Name (TemplateOptions).
std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateDelims& delims = {});

// Parses `text` as renderTemplate does, without data or output: throws the TemplateError a
// render would throw for its syntax. For validating inputs before anything runs (--dry-run).
void checkTemplateSyntax(std::string_view text, const TemplateDelims& delims = {});
std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateOptions& options);

}  // namespace iter8
