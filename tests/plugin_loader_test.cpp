// The loader's contract checks, on real shared objects built for the purpose.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/plugin_registry.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using test::handlerPath;
using test::runProcess;
using test::shippedPluginDir;
using test::TempDir;
using test::testPluginDir;
using ::testing::HasSubstr;

std::string badPlugin(const std::string& kind) {
  return testPluginDir("bad_" + kind) + "/bad_" + kind + ".so";
}

std::string loadError(const std::string& path) {
  try {
    loadPlugin(path);
  } catch (const PluginError& e) {
    return e.what();
  }
  return "";
}

TEST(PluginLoader, LoadsTheShippedCommonPlugin) {
  Plugin plugin = loadPlugin(shippedPluginDir() + "/common.so");
  EXPECT_EQ(plugin.library, "common");
  ASSERT_EQ(plugin.tasks.size(), 3u);
  EXPECT_EQ(plugin.tasks[0].name, "exec");
  EXPECT_EQ(plugin.tasks[1].name, "bash");
  EXPECT_EQ(plugin.tasks[2].name, "run");
  EXPECT_TRUE(plugin.tasks[0].inputSchema->IsObject());
}

TEST(PluginLoader, LoadsAPluginWrittenInPlainC) {
  Plugin plugin = loadPlugin(testPluginDir("hello_c") + "/hello_c.so");
  EXPECT_EQ(plugin.library, "hello_c");
  EXPECT_EQ(plugin.version, "1.0.0");
  ASSERT_NE(plugin.findTask("greet"), nullptr);
}

TEST(PluginLoader, RejectsAFileThatIsNotElf) {
  TempDir dir;
  std::string path = dir.write("notes.so", "this is a text file, not a shared object\n");
  EXPECT_THAT(loadError(path), HasSubstr("cannot be loaded"));
  EXPECT_THAT(loadError(path), HasSubstr("notes.so"));
}

TEST(PluginLoader, RejectsALibraryWithoutTheContractSymbols) {
  EXPECT_THAT(loadError(badPlugin("no_symbols")),
              HasSubstr("is not an iter8 plugin: it does not export 'iter8_plugin_info'"));
}

TEST(PluginLoader, RejectsAnotherAbiMajorSayingBothVersions) {
  std::string error = loadError(badPlugin("wrong_major"));
  EXPECT_THAT(error, HasSubstr("built for plugin ABI 99.0"));
  EXPECT_THAT(error, HasSubstr("this handler supports ABI 1.0"));
}

TEST(PluginLoader, RejectsANewerMinor) {
  EXPECT_THAT(loadError(badPlugin("newer_minor")), HasSubstr("built for plugin ABI 1.1"));
}

TEST(PluginLoader, RejectsAPluginWithoutMakeTask) {
  EXPECT_THAT(loadError(badPlugin("no_make_task")),
              HasSubstr("does not export 'iter8_plugin_make_task'"));
}

TEST(PluginLoader, RejectsATaskSchemaThatIsNotJson) {
  EXPECT_THAT(loadError(badPlugin("bad_schema")),
              HasSubstr("task 'noop' has an input schema that is not JSON"));
}

TEST(PluginRegistry, SkipsBadFilesAndKeepsGoodOnes) {
  TempDir dir;
  dir.write("broken.so", "garbage");
  std::filesystem::copy_file(shippedPluginDir() + "/common.so", dir.file("common.so"));
  PluginRegistry registry;
  registry.scan({dir.path()});
  ASSERT_EQ(registry.plugins().size(), 1u);
  ASSERT_EQ(registry.loadErrors().size(), 1u);
  EXPECT_EQ(registry.find("common").library, "common");
}

TEST(PluginRegistry, TwoPluginsClaimingOneLibraryNameBothFiles) {
  PluginRegistry registry;
  registry.scan({shippedPluginDir(), testPluginDir("bad_duplicate")});
  try {
    registry.find("common");
    FAIL() << "a conflict must make the library unusable";
  } catch (const PluginError& e) {
    EXPECT_THAT(e.what(), HasSubstr("claimed by two plugins"));
    EXPECT_THAT(e.what(), HasSubstr("common.so"));
    EXPECT_THAT(e.what(), HasSubstr("bad_duplicate.so"));
  }
}

TEST(PluginRegistry, MissingLibrarySaysWhereItLooked) {
  PluginRegistry registry;
  registry.scan({shippedPluginDir()});
  try {
    registry.find("metricz");
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no plugin provides library 'metricz'"));
    EXPECT_THAT(e.what(), HasSubstr(shippedPluginDir()));
  }
}

TEST(HandlerPlugins, ListsPluginsTasksAndLoadErrors) {
  TempDir dir;
  dir.write("broken.so", "garbage");
  auto result = runProcess(
      {handlerPath(), "plugins", "--plugins-dir", shippedPluginDir(), "--plugins-dir", dir.path()});
  EXPECT_EQ(result.exitCode, 1) << "load errors make `plugins` exit non-zero";
  EXPECT_THAT(result.out, HasSubstr("common/exec"));
  EXPECT_THAT(result.out, HasSubstr("common/bash"));
  EXPECT_THAT(result.out, HasSubstr("error: " + dir.file("broken.so") + " cannot be loaded"));
}

TEST(HandlerPlugins, ADuplicateLibraryIsListedAsAnError) {
  auto result = runProcess({handlerPath(), "plugins", "--plugins-dir", shippedPluginDir(),
                            "--plugins-dir", testPluginDir("bad_duplicate")});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.out, HasSubstr("[unusable: claimed twice]"));
  EXPECT_THAT(result.out,
              HasSubstr("bad_duplicate.so claims library 'common', already provided by"));
}

TEST(HandlerPlugins, DescribePrintsTheInputSchema) {
  auto result = runProcess(
      {handlerPath(), "plugins", "describe", "common/exec", "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("TASK: common/exec"));
  EXPECT_THAT(result.out, HasSubstr("FIELD"));
  EXPECT_THAT(result.out, HasSubstr("disableInterpolation"));
  EXPECT_THAT(result.out, Not(HasSubstr("common/bash")));
}

TEST(HandlerPlugins, CheckReportsWhatIsWrongWithOneFile) {
  auto bad = runProcess({handlerPath(), "plugins", "check", badPlugin("wrong_major")});
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_THAT(bad.err, HasSubstr("built for plugin ABI 99.0"));
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << "one line: " << bad.err;
  auto good = runProcess({handlerPath(), "plugins", "check", shippedPluginDir() + "/common.so"});
  EXPECT_EQ(good.exitCode, 0);
  EXPECT_THAT(good.out, HasSubstr("ok: "));
  EXPECT_THAT(good.out, HasSubstr("common/exec common/bash"));
}

TEST(HandlerVersion, PrintsTheAbi) {
  auto result = runProcess({handlerPath(), "version"});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_THAT(result.out, HasSubstr("plugin ABI 1.0"));
}

}  // namespace
}  // namespace iter8
