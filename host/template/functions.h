// Go's builtin template functions and the fmt printing they and the executor use.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "host/template/value.h"

namespace iter8::template_internal {

// Something Go does that this engine deliberately does not (a printf verb, a function): the
// executor reports it as a TemplateError with the position of the call.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a builtin takes its parameters, as Go's reflection sees them.
enum class ParamType {
  kValue,   // reflect.Value or interface{}: anything, nil included
  kString,  // string: printf's format
};

struct BuiltinSignature {
  int numIn;      // parameters, counting the variadic one
  bool variadic;  // the last parameter is "..."
  ParamType first;
};

// The signature of builtin `name`, which the parser already knows to be a builtin.
BuiltinSignature builtinSignature(std::string_view name);

// Calls builtin `name` (not and/or, which the executor short-circuits) with evaluated
// arguments. Returns the error text Go's function would return, or sets `result`.
// Throws Unsupported for what this engine does not do.
std::optional<std::string> callBuiltin(std::string_view name, const std::vector<Value>& args,
                                       Value& result);

// fmt.Sprint, fmt.Sprintln and fmt.Sprintf of values; see printf.cpp for the verbs.
std::string goSprint(const std::vector<Value>& args);
std::string goSprintln(const std::vector<Value>& args);
std::string goSprintf(std::string_view format, const std::vector<Value>& args);

}  // namespace iter8::template_internal
