// `if:` conditions of TaskSpecs, as the Go handler's task runner evaluated them.
#pragma once

#include <optional>
#include <string>

#include <rapidjson/document.h>

namespace iter8 {

// A parsed condition: WinnerFound() or CandidateWon(), possibly negated with "not ".
struct Condition {
  enum class Kind { kWinnerFound, kCandidateWon } kind;
  bool negated = false;
  std::string text;  // as written, for log lines
};

// The supported conditions, for messages: "WinnerFound(), CandidateWon(), not WinnerFound(),
// not CandidateWon()".
const char* supportedConditions();

// Parses `text`; nullopt when it is none of the supported conditions. Spaces around the
// condition and between "not" and the function are allowed.
std::optional<Condition> parseCondition(const std::string& text);

// Evaluates `condition` on `experiment` (its status as it is now):
//   WinnerFound()  status.analysis.winnerAssessment.data.winnerFound is true
//   CandidateWon() a winner was found and it is not spec.versionInfo.baseline.name
bool evaluateCondition(const Condition& condition, const rapidjson::Value& experiment);

}  // namespace iter8
