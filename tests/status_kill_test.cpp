// SIGKILL at any moment of metrics/collect's run on a large experiment file: the file is never
// left broken (temporary file, fsync, rename, fsync of the folder; docs/robustness.md).
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/process/subprocess.h"
#include "lib/yaml.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_http_server.h"

namespace iter8 {
namespace {

std::string experimentText(const std::string& with) {
  return "apiVersion: iter8.tools/v2alpha2\nkind: Experiment\n"
         "metadata: {name: big, namespace: default}\nspec:\n  strategy:\n    actions:\n"
         "      loop:\n      - task: metrics/collect\n        with:\n" +
         with + "\n";
}

// SIGKILL at any moment of a run that writes the status of a 3 MB experiment leaves the file
// whole: as it was, or with the new status (temporary file, fsync, rename, fsync of the folder).
TEST(StatusWrite, AKillAtAnyMomentNeverBreaksALargeExperimentFile) {
  testing::TestHttpServer server;
  test::TempDir dir;
  std::string padding = "  annotations:\n";
  for (int i = 0; padding.size() < 3'000'000; ++i)
    padding += "    note-" + std::to_string(i) + ": \"" + std::string(100, 'x') + "\"\n";
  std::string text = experimentText(
      "          numQueries: 3\n          qps: 0\n          versions:\n"
      "          - {name: v1, url: \"" +
      server.url("/fast") + "\"}");
  text.insert(text.find("spec:"), "metadata2:\n" + padding);
  const std::string path = dir.write("experiment.yaml", text);
  const rapidjson::Document before = parseYaml(test::readFile(path));
  // A run of this file takes about 2-3 s here (most of it reading and writing YAML): the kills
  // land from 0.3 s to 2.8 s, before, during and after the status write.
  for (int kill = 0; kill < 11; ++kill) {
    Subprocess handler;
    SubprocessOptions options;
    options.argv = test::handlerRunArgv("loop", path, dir.file("termination-log"));
    options.stdoutTo = options.stderrTo = kNullStream;
    options.newProcessGroup = true;
    ASSERT_EQ(handler.start(options), 0) << handler.startError();
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 250 * kill));
    handler.kill();  // SIGKILL to its group, task process included
    // parseYaml throws, failing the test, on a broken file.
    rapidjson::Document after = parseYaml(test::readFile(path));
    EXPECT_EQ(after["metadata2"], before["metadata2"]) << "kill " << kill;
    EXPECT_EQ(after["spec"], before["spec"]) << "kill " << kill;
  }
  // And a run left alone writes its status into the same file.
  auto done = test::runProcess(test::handlerRunArgv("loop", path, dir.file("termination-log")));
  ASSERT_EQ(done.exitCode, 0) << done.err;
  rapidjson::Document last = parseYaml(test::readFile(path));
  EXPECT_TRUE(last["status"]["analysis"]["aggregatedBuiltinHists"]["data"].HasMember("v1"));
  EXPECT_EQ(last["metadata2"], before["metadata2"]);
}

}  // namespace
}  // namespace iter8
