// The SDK as a plugin author meets it: install the handler and SDK into a prefix, build the
// out-of-tree example against that prefix only, and run it through the installed handler.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/yaml.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using test::readFile;
using test::runProcess;
using test::TempDir;
using ::testing::HasSubstr;

TEST(SdkInstall, OutOfTreePluginBuildsAgainstTheInstalledSdkAndRuns) {
  TempDir dir;
  std::string prefix = dir.file("prefix");
  auto install = runProcess({ITER8_CMAKE, "--install", ITER8_BINARY_DIR, "--prefix", prefix});
  ASSERT_EQ(install.exitCode, 0) << install.out << install.err;
  ASSERT_TRUE(std::filesystem::exists(prefix + "/include/iter8/plugin_api.h"));
  ASSERT_TRUE(std::filesystem::exists(prefix + "/lib/cmake/Iter8Sdk/Iter8SdkConfig.cmake"));

  std::string source = std::string(ITER8_SOURCE_DIR) + "/examples/plugin-hello";
  std::string build = dir.file("plugin-build");
  auto configure = runProcess({ITER8_CMAKE, "-S", source, "-B", build,
                               "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_BUILD_TYPE=Release"});
  ASSERT_EQ(configure.exitCode, 0) << configure.out << configure.err;
  auto compile = runProcess({ITER8_CMAKE, "--build", build, "-j2"});
  ASSERT_EQ(compile.exitCode, 0) << compile.out << compile.err;
  ASSERT_TRUE(std::filesystem::exists(build + "/hello.so"));

  // Only the contract's symbols are exported (hidden visibility).
  auto symbols = runProcess({"nm", "-D", "--defined-only", build + "/hello.so"});
  EXPECT_THAT(symbols.out, HasSubstr("iter8_plugin_info"));
  EXPECT_THAT(symbols.out, HasSubstr("iter8_plugin_make_task"));
  EXPECT_THAT(symbols.out, Not(HasSubstr("GreetTask")));

  std::string handler = prefix + "/bin/handler";
  std::string experiment = dir.write("experiment.yaml", readFile(source + "/experiment.yaml"));
  auto run = runProcess({handler, "run", "-a", "start", "-f", experiment, "--plugins-dir", build});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("action start, task 0 (hello/greet): hello, plugin authors"));
  EXPECT_EQ(std::string(parseYaml(readFile(experiment))["status"]["message"].GetString()),
            "greeted plugin authors");

  // The installed handler finds its own plugins beside it, with no --plugins-dir.
  auto plugins = runProcess({handler, "plugins"});
  EXPECT_THAT(plugins.out, HasSubstr(prefix + "/lib/iter8/plugins"));
  EXPECT_THAT(plugins.out, HasSubstr("common/exec"));
}

}  // namespace
}  // namespace iter8
