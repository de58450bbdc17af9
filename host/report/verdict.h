// The verdict the report shows: Iter8's analysis of the builtin metrics, computed offline from
// the same status (host/analysis/), per objective and version; the winner and the recommended
// version; and where Iter8's rule misleads (requests without an HTTP response, counted as
// successes). `report --check` turns it into an exit code.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8::report {

struct Interval {
  double low = 0, high = 0;
};

struct ObjectiveCheck {
  std::optional<double> value;  // absent: no value for this version (Iter8: fails)
  bool pass = false;
  // With --confidence (confidence.cpp): the value's interval, whether it straddles a limit, and
  // how many more requests would likely decide (0: not computable).
  std::optional<Interval> interval;
  bool inconclusive = false;
  int64_t moreRequests = 0;
  double moreSeconds = 0;  // at the version's achieved rate; 0: unknown
};

struct ObjectiveRow {
  std::string metric;
  std::string upperLimit, lowerLimit;     // as written; "" when not set
  double upperValue = 0, lowerValue = 0;  // their values, as analytics compares
  bool evaluated = true;                  // false: not a builtin metric (not evaluated offline)
  std::map<std::string, ObjectiveCheck> versions;
};

struct Verdict {
  bool available = false;  // false: no testing pattern, or criteria it cannot analyse (error)
  std::string error;       // why not available, one line naming the field
  std::string pattern;     // Canary, Conformance, A/B, A/B/N
  std::vector<std::string> versions;  // baseline, then candidates
  std::vector<ObjectiveRow> objectives;
  bool winnerFound = false;
  std::string winner;
  std::string message;  // analytics' winner message, "" when none
  std::string recommended;
  std::map<std::string, int64_t> transportFailures;  // declared versions with any
  std::optional<double> confidence;                  // --confidence LEVEL, when given
};

// --confidence: adds an interval at `level` (0.5 <= level < 1) to every evaluated objective's
// value (confidence.cpp, docs/report.md#confidence) and marks those straddling a limit.
void applyConfidence(Verdict& verdict, const rapidjson::Value& experiment, double level);

// "straddles its limit; about 1200 more requests would likely decide (~60 s at the rate
// achieved)" (--confidence).
std::string moreRequestsText(const ObjectiveCheck& check);

// "no objectives", or "<= 50", ">= 5", "5 .. 50".
std::string limitText(const ObjectiveRow& row);

// Never throws: a verdict that cannot be computed says why in `error`.
Verdict buildVerdict(const rapidjson::Value& experiment);

// `report --check`: the exit codes (docs/report.md#check) and the one-line reason.
enum CheckCode : int {
  kCheckGo = 0,
  kCheckCannotAnalyse = 4,  // as `handler analyze`: bad criteria or testing pattern
  kCheckNoGo = 6,           // Canary: the candidate did not win; A/B: no winner; Conformance: the
                            // baseline fails an objective
  kCheckMisleading = 7,     // a go by Iter8's rule, resting on a version with failed requests
  kCheckInconclusive = 8,   // --confidence: an objective of a deciding version is inconclusive
};
struct CheckResult {
  CheckCode code = kCheckGo;
  std::string reason;
};
CheckResult checkVerdict(const Verdict& verdict);

// The warnings of the misleading rule: "the controller counts 40 failed requests of v2 as
// successes ...", one per version.
std::vector<std::string> verdictWarnings(const Verdict& verdict);

// Its three renderings (verdict_render.cpp), which the report's renderers append.
std::string verdictTableSection(const Verdict& verdict);
rapidjson::Value verdictJson(const Verdict& verdict, rapidjson::Value::AllocatorType& allocator);
std::string verdictHtmlSection(const Verdict& verdict);

}  // namespace iter8::report
