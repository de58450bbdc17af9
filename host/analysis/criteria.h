// What the analysis needs of an experiment's spec: the testing pattern, the versions, and
// spec.criteria's objectives and reward, checked as etc3 validates them (plus what offline
// analysis cannot do: a builtin metric named without iter8-system/, a limit that is not a
// non-negative quantity). A bad field is one CriteriaError naming it.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8::analysis {

class CriteriaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Pattern { kCanary, kConformance, kAB, kABN };

struct Limit {
  std::string text;  // as written ("50", "10m"), for reports
  double value = 0;  // what analytics compares with (parse_quantity -> float)
};

struct Objective {
  std::string metric;
  std::optional<Limit> upper, lower;
  bool rollbackOnFailure = false;  // explicit, else true only with deploymentPattern BlueGreen
  bool builtin = false;            // one of the nine iter8-system/ metrics
};

struct Reward {
  std::string metric;
  bool higherIsBetter = true;  // preferredDirection High; Low otherwise
  bool builtin = false;
};

struct Criteria {
  bool present = false;            // spec.criteria exists (else no assessments, as analytics)
  bool objectivesPresent = false;  // spec.criteria.objectives exists and is not null
  std::vector<Objective> objectives;
  std::optional<Reward> reward;
};

struct ExperimentSpec {
  Pattern pattern = Pattern::kCanary;
  std::string patternText;
  std::string baseline;
  std::vector<std::string> candidates;
  Criteria criteria;
};

// The nine builtin metric names (iter8-system/request-count, ...), in analytics' order.
const std::vector<std::string>& builtinMetricNames();

// Reads and checks the spec. Throws CriteriaError: "spec.criteria.objectives[1].upperLimit
// '-5': expected a non-negative number or quantity such as 50 or \"10m\"".
ExperimentSpec readExperimentSpec(const rapidjson::Value& experiment);

}  // namespace iter8::analysis
