// Shared by the notification tests: a real handler run of an experiment file against a
// recording receiver on 127.0.0.1, with local secrets and a termination log.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/experiment_text.h"
#include "tests/support/recording_http_server.h"
#include "tests/support/subprocess.h"

namespace iter8::notification_test {

using test::kRecommendV2;
using test::startExperiment;

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
    std::vector<std::string> argv =
        test::handlerRunArgv(action, path_, dir_.file("termination-log"), {},
                             {"--secrets-dir", dir_.file("secrets"), "--log-level", level});
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
