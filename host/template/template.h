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

// A key of a callable member (TemplateOptions::callables) that does not exist: the plugin ABI
// reports it as ITER8_ERR_NOT_FOUND rather than as a template error.
class TemplateKeyNotFound : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

// What an action naming a missing key prints, as Go's Option("missingkey=...") chooses.
enum class MissingKey {
  kNoValue,  // "<no value>": text/template's default
  kEmpty,    // "": what html/template printed in the Go handler's tasks (iter8's docs promise it)
  kError,    // an error naming the key: etc3's run: items (text/template on a Go struct)
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
  MissingKey missingKey = MissingKey::kNoValue;
  // Resolve field names as Go resolves the fields of a JSON-tagged struct: the key as written,
  // else the key with its first letter in lower case (`.Spec.VersionInfo` finds
  // spec.versionInfo), so templates written against the Go Experiment type work on its JSON.
  bool goFieldNames = false;
  // When not null, receives the path (".a.b") of every missing key an action printed, so the
  // caller can warn about typos that render as empty or "<no value>".
  std::vector<std::string>* missingKeys = nullptr;
  // The longest output rendered; a longer one throws a TemplateError naming the limit.
  std::size_t maxOutputBytes = std::size_t{1} << 20;
};

// Renders `text` against `data` (a JSON value, normally an object) as Go 1.19's text/template
// would with the data decoded by encoding/json into interface{}: the whole action language
// (if/else if/else, range with else, break and continue, with, variables, pipelines,
// parentheses, constants of every kind, trim markers, comments, custom delimiters) and the
// builtins printf, print, println, len, index, eq, ne, lt, le, gt, ge, not, and, or, html, js
// and urlquery, with Go's output and error texts. Values print like Go's fmt %v, with no HTML
// escaping. {{define}}, {{template}}, {{block}}, slice, call and a few printf forms throw a
// TemplateError saying "unsupported"; docs/operator-guide.md#templates lists them. As in Go,
// the whole text is parsed before anything runs. The one extension, off unless options name
// callables: `.Name "key"` for a callable member Name (TemplateOptions).
std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateDelims& delims = {});

// Parses `text` as renderTemplate does, without data or output: throws the TemplateError a
// render would throw for its syntax. For validating inputs before anything runs (--dry-run).
void checkTemplateSyntax(std::string_view text, const TemplateDelims& delims = {});
std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateOptions& options);

}  // namespace iter8
