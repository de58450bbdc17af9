// `if:` conditions of TaskSpecs: the subset of antonmedv/expr (v1.9.0, what etc3 compiled
// them with) that experiments write, evaluated against the experiment.
//
//   operators   ! not  && and  || or  == != < <= > >=  ( )
//   literals    true false nil, numbers (12, 0.5, 1e3), strings ("a" or 'a', \" \' \\ \n \t)
//   fields      Status.Analysis, Spec.Target, Name, ...: Go field names of the Experiment,
//               each the JSON key as written, else with its first letter in lower case
//   functions   WinnerFound(), CandidateWon()
//
// Precedence as expr's: unary ! and not bind tightest, then comparisons, then && / and, then
// || / or; binary operators are left-associative and && / || short-circuit. A field path that
// does not exist in the experiment evaluates as nil.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace iter8 {

// A condition that does not parse, or a value of the wrong type while evaluating. The message
// starts with "column N: " (1-based, in bytes) where a position is known.
class ConditionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One node of a parsed condition; the nodes of a Condition refer to each other by index.
struct ConditionNode {
  enum class Kind { kNil, kBool, kNumber, kString, kField, kCall, kNot, kAnd, kOr, kCompare };
  Kind kind = Kind::kNil;
  std::size_t column = 0;         // where it starts in the text, 1-based
  bool boolean = false;           // kBool
  double number = 0;              // kNumber
  std::string text;               // kString: the value; kCall: the function; kCompare: operator
  std::vector<std::string> path;  // kField: Status, Analysis, ...
  int left = -1;                  // kNot: the operand; binary nodes: left operand
  int right = -1;                 // binary nodes: right operand
};

// A parsed condition. Copyable; holds no pointers into the text.
struct Condition {
  std::string text;                  // as written, for log lines
  std::vector<ConditionNode> nodes;  // nodes[root] is the whole condition
  int root = -1;
};

// Limits that keep hostile input cheap: deeper nesting or more nodes is a parse error.
inline constexpr int kConditionMaxDepth = 32;
inline constexpr std::size_t kConditionMaxNodes = 512;

// Parses `text`. Throws ConditionError naming the column and what was expected.
Condition parseCondition(std::string_view text);

// Evaluates `condition` on `experiment` (the whole resource as JSON). Throws ConditionError
// when an operand has the wrong type at run time (e.g. `Spec.Target && true`) or the result is
// not a boolean.
bool evaluateCondition(const Condition& condition, const rapidjson::Value& experiment);

}  // namespace iter8
