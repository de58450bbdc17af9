// The SDK as a plugin author meets it: install the handler and SDK into a prefix, build the
// out-of-tree example against that prefix only, and run it through the installed handler.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iter8/plugin_api.h"
#include "lib/yaml.h"
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
  EXPECT_THAT(symbols.out, HasSubstr("MakeTask"));
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

// Installs the handler and SDK into `prefix`; false (with the output) when that fails.
::testing::AssertionResult installInto(const std::string& prefix) {
  auto install = runProcess({ITER8_CMAKE, "--install", ITER8_BINARY_DIR, "--prefix", prefix});
  if (install.exitCode == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << install.out << install.err;
}

TEST(SdkInstall, PackageExportsTheAbiVersionAndThePluginFolder) {
  TempDir dir;
  std::string prefix = dir.file("prefix");
  ASSERT_TRUE(installInto(prefix));
  std::string project = dir.file("probe");
  std::filesystem::create_directories(project);
  dir.write("probe/CMakeLists.txt",
            "cmake_minimum_required(VERSION 3.16)\nproject(probe C)\n"
            "find_package(Iter8Sdk REQUIRED COMPONENTS testing)\n"
            "message(STATUS \"abi=${ITER8_ABI_VERSION} dir=${ITER8_PLUGIN_INSTALL_DIR}\")\n"
            "if(TARGET Iter8Sdk::testing)\n  message(STATUS \"testing=found\")\nendif()\n"
            "find_package(Iter8Sdk QUIET COMPONENTS nonsense)\n"
            "message(STATUS \"nonsense=${Iter8Sdk_FOUND}\")\n");
  auto configure = runProcess(
      {ITER8_CMAKE, "-S", project, "-B", dir.file("probe-build"), "-DCMAKE_PREFIX_PATH=" + prefix});
  ASSERT_EQ(configure.exitCode, 0) << configure.out << configure.err;
  EXPECT_THAT(configure.out, HasSubstr("abi=" + std::to_string(ITER8_ABI_MAJOR) + "." +
                                       std::to_string(ITER8_ABI_MINOR) + " dir=lib/iter8/plugins"));
  // find_package(Iter8Sdk COMPONENTS testing) gives the test host; an unknown component fails.
  EXPECT_THAT(configure.out, HasSubstr("testing=found"));
  EXPECT_THAT(configure.out, HasSubstr("nonsense=0"));
  // The example plugins ship with the SDK, so the guide can point at installed files.
  EXPECT_TRUE(std::filesystem::exists(prefix + "/share/iter8/sdk-examples/plugin-hello-c/hello.c"));
  EXPECT_TRUE(std::filesystem::exists(prefix + "/share/iter8/sdk-examples/plugin-hello/hello.cpp"));
}

TEST(SdkInstall, CPluginNeedsNoJsonLibraryAndInstallsWhereTheHandlerLooks) {
  TempDir dir;
  std::string prefix = dir.file("prefix");
  ASSERT_TRUE(installInto(prefix));
  std::string source = std::string(ITER8_SOURCE_DIR) + "/examples/plugin-hello-c";
  std::string build = dir.file("build");
  // No include folder can be found (RapidJSON included): a C plugin must not need any.
  auto configure =
      runProcess({ITER8_CMAKE, "-S", source, "-B", build, "-DCMAKE_PREFIX_PATH=" + prefix,
                  "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_FIND_ROOT_PATH=/nonexistent",
                  "-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY"});
  ASSERT_EQ(configure.exitCode, 0) << configure.out << configure.err;
  auto compile = runProcess({ITER8_CMAKE, "--build", build});
  ASSERT_EQ(compile.exitCode, 0) << compile.out << compile.err;
  // iter8_install_plugin puts it beside the installed handler's own plugins.
  auto install = runProcess({ITER8_CMAKE, "--install", build, "--prefix", prefix});
  ASSERT_EQ(install.exitCode, 0) << install.out << install.err;
  ASSERT_TRUE(std::filesystem::exists(prefix + "/lib/iter8/plugins/hello_c.so"));

  std::string experiment = dir.write("experiment.yaml", R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata:
  name: c-hello
  namespace: default
spec:
  target: default/app
  strategy:
    testingPattern: Conformance
    actions:
      start:
      - task: hello_c/greet
        with:
          who: C authors
          message: "{{ .metadata.name }} says hello{{ .metadata.nope }}"
  versionInfo:
    baseline:
      name: v1
)");
  auto run = runProcess({prefix + "/bin/handler", "run", "-a", "start", "-f", experiment});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("task 0 (hello_c/greet): hello, C authors (handler "));
  EXPECT_THAT(run.err, HasSubstr("task 0 (hello_c/greet): c-hello says hello\n"));
  EXPECT_THAT(run.err, HasSubstr("template key .metadata.nope is missing"));
  EXPECT_EQ(std::string(parseYaml(readFile(experiment))["status"]["message"].GetString()),
            "greeted C authors");
}

// The flags the examples need to run against this build's libiter8_testing.so: a sanitized
// library needs the sanitizer runtime first in an executable's libraries, so the examples'
// test programs are built with the same sanitizers.
std::vector<std::string> sanitizerArgs() {
#ifdef __SANITIZE_ADDRESS__
  const std::string flags = "-fsanitize=address,undefined";
  return {"-DCMAKE_C_FLAGS=" + flags, "-DCMAKE_CXX_FLAGS=" + flags,
          "-DCMAKE_EXE_LINKER_FLAGS=" + flags, "-DCMAKE_SHARED_LINKER_FLAGS=" + flags};
#else
  return {};
#endif
}

// ctest beside the cmake the build uses.
std::string ctestPath() {
  std::string cmake = ITER8_CMAKE;
  return cmake.substr(0, cmake.size() - std::string("cmake").size()) + "ctest";
}

// Both SDK examples build out of tree with find_package(Iter8Sdk COMPONENTS testing) and pass
// their unit tests on the test host with no handler anywhere on PATH.
TEST(SdkInstall, ExamplesRunTheirTestsOnTheTestHostWithoutAHandler) {
  TempDir dir;
  std::string prefix = dir.file("prefix");
  ASSERT_TRUE(installInto(prefix));
  ASSERT_TRUE(std::filesystem::exists(prefix + "/include/iter8/testing.hpp"));
  // The library exports the C API of iter8/testing.h and nothing of the host inside it.
  std::string library = prefix + "/lib/libiter8_testing.so";
  auto symbols = runProcess({"nm", "-D", "--defined-only", library});
  ASSERT_EQ(symbols.exitCode, 0) << symbols.err;
  EXPECT_THAT(symbols.out, HasSubstr("iter8_testing_run_task"));
  EXPECT_THAT(symbols.out, Not(HasSubstr("PluginRegistry")));
  EXPECT_THAT(symbols.out, Not(HasSubstr("parseYaml")));

  test::ProcessOptions noHandler;
  noHandler.env["PATH"] = "/usr/bin:/bin";  // the build's and the prefix's bin/ are not on it
  ASSERT_NE(runProcess({"sh", "-c", "command -v handler"}, noHandler).exitCode, 0);
  for (std::string example : {"plugin-hello", "plugin-hello-c"}) {
    SCOPED_TRACE(example);
    std::string source = std::string(ITER8_SOURCE_DIR) + "/examples/" + example;
    std::string build = dir.file(example + "-build");
    std::vector<std::string> configureArgs{ITER8_CMAKE,
                                           "-S",
                                           source,
                                           "-B",
                                           build,
                                           "-DCMAKE_PREFIX_PATH=" + prefix,
                                           "-DCMAKE_BUILD_TYPE=Release"};
    for (const std::string& arg : sanitizerArgs()) configureArgs.push_back(arg);
    auto configure = runProcess(configureArgs, noHandler);
    ASSERT_EQ(configure.exitCode, 0) << configure.out << configure.err;
    auto compile = runProcess({ITER8_CMAKE, "--build", build, "-j2"}, noHandler);
    ASSERT_EQ(compile.exitCode, 0) << compile.out << compile.err;
    auto tests = runProcess({ctestPath(), "--test-dir", build, "--output-on-failure"}, noHandler);
    EXPECT_EQ(tests.exitCode, 0) << tests.out << tests.err;
    EXPECT_THAT(tests.out, HasSubstr("100% tests passed, 0 tests failed out of 1"));
  }
}

TEST(SdkInstall, CxxPluginWithoutRapidJsonFailsAtConfigureNamingThePackage) {
  TempDir dir;
  std::string prefix = dir.file("prefix");
  ASSERT_TRUE(installInto(prefix));
  auto configure = runProcess(
      {ITER8_CMAKE, "-S", std::string(ITER8_SOURCE_DIR) + "/examples/plugin-hello", "-B",
       dir.file("build"), "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_FIND_ROOT_PATH=/nonexistent",
       "-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY"});
  EXPECT_NE(configure.exitCode, 0);
  EXPECT_THAT(configure.err, HasSubstr("apt-get install rapidjson-dev"));
}

}  // namespace
}  // namespace iter8
