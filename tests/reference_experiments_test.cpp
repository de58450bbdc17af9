// The original project's experiments (../shared/reference/experiments, read in place) parse,
// and the actions built only from tasks we ship resolve.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path referenceDir() {
  return fs::path(ITER8_SHARED_DIR) / "reference" / "experiments";
}

std::vector<fs::path> referenceExperiments() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(referenceDir(), ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ReferenceExperiments, AllParseAsExperiments) {
  auto files = referenceExperiments();
  if (files.empty()) GTEST_SKIP() << "no reference experiments at " << referenceDir();
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    rapidjson::Document doc;
    ASSERT_NO_THROW(doc = parseYaml(test::readFile(file.string())));
    ASSERT_TRUE(doc.IsObject());
    EXPECT_STREQ(doc["kind"].GetString(), "Experiment");
    EXPECT_TRUE(doc["spec"].IsObject());
    // YAML round trip keeps the document (what local mode writes back must read the same).
    EXPECT_EQ(toJson(parseYaml(toYaml(doc))), toJson(doc));
  }
}

// Every action built only from tasks we ship validates unchanged (--dry-run: no load is
// sent to the hosts these experiments name), but for the two whose template is broken.
TEST(ReferenceExperiments, ActionsOfShippedTasksValidateUnchanged) {
  auto files = referenceExperiments();
  if (files.empty()) GTEST_SKIP() << "no reference experiments at " << referenceDir();
  int checked = 0;
  for (const auto& file : files) {
    rapidjson::Document doc = parseYaml(test::readFile(file.string()));
    const auto& actions = doc["spec"]["strategy"]["actions"];
    if (!actions.IsObject()) continue;
    for (const auto& action : actions.GetObject()) {
      if (!action.value.IsArray()) continue;
      bool shipped = true;
      for (const auto& task : action.value.GetArray()) {
        std::string name = task.HasMember("task") ? task["task"].GetString() : "";
        shipped = shipped && (task.HasMember("run") || name == "common/exec" ||
                              name == "common/bash" || name == "metrics/collect" ||
                              name == "common/readiness" || name == "common/promote-kubectl");
      }
      if (!shipped) continue;
      SCOPED_TRACE(file.string() + " action " + action.name.GetString());
      test::TempDir dir;
      std::string copy = dir.write("exp.yaml", test::readFile(file.string()));
      auto result =
          test::runProcess({test::handlerPath(), "run", "-a", action.name.GetString(), "--dry-run",
                            "-f", copy, "--plugins-dir", test::shippedPluginDir()});
      // Two start actions hold a template broken on purpose: their dry run fails as their run
      // does, naming it (exit 4), rather than saying "valid".
      const std::string name = file.filename().string() + " " + action.name.GetString();
      const bool broken = name == "experiment1.yaml start" || name == "runexperiment.yaml start";
      EXPECT_EQ(result.exitCode, broken ? 4 : 0) << result.err;
      if (broken) {
        EXPECT_THAT(result.err, HasSubstr("is not a valid template"));
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 7)
      << "bash, metricscollect, loadgen, readiness, run and experiment1's start and finish";
}

TEST(ReferenceExperiments, BashExperimentRunsItsStartAction) {
  fs::path file = referenceDir() / "bashexperiment.yaml";
  if (!fs::exists(file)) GTEST_SKIP() << file << " is absent";
  test::TempDir dir;
  std::string copy = dir.write("exp.yaml", test::readFile(file.string()));
  auto result = test::runProcess({test::handlerPath(), "run", "-a", "start", "-f", copy,
                                  "--plugins-dir", test::shippedPluginDir()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  // metadata.namespace is absent in the file: the original's html/template printed "".
  EXPECT_THAT(result.out, HasSubstr("Experiment: /quickstart-exp\n"));
}

}  // namespace
}  // namespace iter8
