// Shared by the notification tests: a real handler run of an experiment file against a
// recording receiver on 127.0.0.1, with local secrets and a termination log.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lib/yaml.h"
#include "lib/json.h"
#include "tests/support/recording_http_server.h"
#include "tests/support/subprocess.h"

namespace iter8::notification_test {

// An experiment in namespace team-a whose `start` action is `tasksYaml` (a YAML list indented
// by 6), with two versions; `status` is appended as is.
inline std::string experiment(const std::string& tasksYaml, const std::string& status = "") {
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

inline const char* kRecommendV2 = "status:\n  versionRecommendedForPromotion: app-v2\n";

inline std::filesystem::path referenceExperiment(const std::string& name) {
  return std::filesystem::path(ITER8_SHARED_DIR) / "reference" / "experiments" / name;
}

class NotificationRun : public ::testing::Test {
 protected:
  NotificationRun() { std::filesystem::create_directories(dir_.file("secrets")); }

  // Runs `handler run -a <action>` on `experimentText` at --log-level `level`.
  test::ProcessResult run(const std::string& experimentText, const std::string& level = "trace",
                          const std::string& action = "start",
                          const std::string& fileName = "experiment.yaml",
                          std::vector<std::string> extra = {}) {
    path_ = dir_.write(fileName, experimentText);
    std::vector<std::string> argv{test::handlerPath(),
                                  "run",
                                  "-a",
                                  action,
                                  "-f",
                                  path_,
                                  "--plugins-dir",
                                  test::shippedPluginDir(),
                                  "--termination-log",
                                  dir_.file("termination-log"),
                                  "--secrets-dir",
                                  dir_.file("secrets"),
                                  "--log-level",
                                  level};
    argv.insert(argv.end(), extra.begin(), extra.end());
    test::ProcessOptions options = options_;
    options.env = env_;
    return test::runProcess(argv, options);
  }

  // A Secret manifest `name` in namespace team-a with `data` as stringData.
  void secret(const std::string& name, const std::map<std::string, std::string>& data) {
    std::string text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name +
                       "\n  namespace: team-a\nstringData:\n";
    for (const auto& [key, value] : data) text += "  " + key + ": '" + value + "'\n";
    dir_.write("secrets/" + name + ".yaml", text);
  }

  // "" when the handler wrote no termination log.
  std::string terminationLog() const {
    std::error_code ec;
    if (!std::filesystem::exists(dir_.file("termination-log"), ec)) return "";
    return test::readFile(dir_.file("termination-log"));
  }

  // The JSON value of the experiment file as run.
  rapidjson::Document experimentAsRun() const { return parseYaml(test::readFile(path_)); }

  test::TempDir dir_;
  std::string path_;
  std::map<std::string, std::string> env_;
  test::ProcessOptions options_;
  testing::RecordingHttpServer receiver_;
};

}  // namespace iter8::notification_test
