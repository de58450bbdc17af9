// Experiment files for tests that run the handler on one action.
#pragma once

#include <string>

namespace iter8::test {

// An experiment in namespace team-a whose `start` action is `tasksYaml` (a YAML list indented by
// 6), with versions app-v1 (variable tag 1.0) and app-v2 (tag 2.0 and promote, a value with
// every character HTML escapes); `status` (YAML at the top level) is appended as is.
inline std::string startExperiment(const std::string& tasksYaml, const std::string& status = "") {
  return R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata:
  name: exp-1
  namespace: team-a
spec:
  target: team-a/app
  strategy:
    testingPattern: Canary
    actions:
      start:
)" + tasksYaml +
         R"(
  versionInfo:
    baseline:
      name: app-v1
      variables:
      - name: tag
        value: "1.0"
    candidates:
    - name: app-v2
      variables:
      - name: tag
        value: "2.0"
      - name: promote
        value: a+b&c<d>"e'
)" + status;
}

// An experiment exp-1 in namespace team-a (target team-a/app) whose spec.strategy.actions is
// `actionsYaml` (action names indented by 6), which may go on with the rest of `spec`
// (`versionInfo` indented by 2).
inline std::string actionsExperiment(const std::string& actionsYaml) {
  return R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: exp-1, namespace: team-a}
spec:
  target: team-a/app
  strategy:
    actions:
)" + actionsYaml;
}

// A status naming app-v2 the version recommended for promotion.
inline const char* const kRecommendV2 = "status:\n  versionRecommendedForPromotion: app-v2\n";

// A canary experiment `name` in namespace default whose `loop` action is one metrics/collect
// with inputs `withYaml` (indented by 10), versions v1 (baseline) and v2.
inline std::string collectExperiment(const std::string& name, const std::string& withYaml) {
  return R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: )" +
         name + R"(, namespace: default}
spec:
  target: default/app
  strategy:
    testingPattern: Canary
    actions:
      loop:
      - task: metrics/collect
        with:
)" + withYaml +
         R"(
  versionInfo:
    baseline: {name: v1}
    candidates:
    - {name: v2}
)";
}

}  // namespace iter8::test
