// The loader against hostile plugins and plugin folders: crashing, exiting and hanging
// constructors, absurd descriptor numbers, recursive schemas, FIFOs. Real files, real handler.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

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
using ::testing::Not;

std::string badPlugin(const std::string& kind) {
  return testPluginDir("bad_" + kind) + "/bad_" + kind + ".so";
}

std::string loadError(const std::string& path) {
  try {
    loadPluginSafely(path);
  } catch (const PluginError& e) {
    return e.what();
  }
  return "";
}

TEST(PluginSafety, ACrashingConstructorIsReportedNotFatal) {
  EXPECT_EQ(loadError(badPlugin("ctor_crash")), "cannot be loaded: loading it crashed: SIGSEGV");
}

TEST(PluginSafety, AnExitingConstructorIsReportedNotFatal) {
  EXPECT_EQ(loadError(badPlugin("ctor_exit")),
            "cannot be loaded: loading it exited without returning (exit status 0)");
}

TEST(PluginSafety, AHangingConstructorIsStoppedAfterTheLoadLimit) {
  EXPECT_THAT(loadError(badPlugin("ctor_hang")),
              HasSubstr("cannot be loaded: loading it did not finish within 10s"));
}

TEST(PluginSafety, AHugeTaskCountIsRefusedBeforeAnyEntryIsRead) {
  EXPECT_EQ(loadError(badPlugin("huge_count")),
            "descriptor task_count 4294967295 is more than the 1024 tasks a plugin may declare");
}

TEST(PluginSafety, AHugeStrideIsRefusedBeforeAnyEntryIsRead) {
  EXPECT_EQ(loadError(badPlugin("huge_stride")),
            "descriptor tasks_stride 1073741824 is larger than 4096 bytes; it must be "
            "sizeof(iter8_task_info)");
}

TEST(PluginSafety, ARecursiveSchemaIsRefusedWithAReason) {
  EXPECT_EQ(loadError(badPlugin("recursive_schema")),
            "task 'noop' has an unusable input schema: $ref '#' at the root refers to an "
            "enclosing schema; recursive schemas are not supported");
}

TEST(PluginSafety, AFifoIsNotOpened) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("x.so").c_str(), 0644), 0);
  EXPECT_EQ(loadError(dir.file("x.so")), "is not a regular file; skipped");
}

TEST(PluginsCheck, ReportsARecursiveSchemaAndACrashingConstructor) {
  auto recursive = runProcess({handlerPath(), "plugins", "check", badPlugin("recursive_schema")});
  EXPECT_EQ(recursive.exitCode, 1);
  EXPECT_THAT(recursive.err, HasSubstr("refers to an enclosing schema"));
  EXPECT_THAT(recursive.out, Not(HasSubstr("ok:")));
  auto crash = runProcess({handlerPath(), "plugins", "check", badPlugin("ctor_crash")});
  EXPECT_EQ(crash.exitCode, 1);
  EXPECT_THAT(crash.err, HasSubstr("bad_ctor_crash.so cannot be loaded: loading it crashed"));
}

TEST(HandlerPlugins, ListingSurvivesCrashingAndExitingConstructorsAndFifos) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("x.so").c_str(), 0644), 0);
  auto start = std::chrono::steady_clock::now();
  auto result = runProcess({handlerPath(), "plugins", "--plugins-dir", shippedPluginDir(),
                            "--plugins-dir", testPluginDir("bad_ctor_crash"), "--plugins-dir",
                            testPluginDir("bad_ctor_exit"), "--plugins-dir", dir.path()});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.out, HasSubstr("common/exec"));
  EXPECT_THAT(result.out, HasSubstr("bad_ctor_crash.so cannot be loaded: loading it crashed"));
  EXPECT_THAT(result.out, HasSubstr("bad_ctor_exit.so cannot be loaded: loading it exited"));
  EXPECT_THAT(result.out, HasSubstr(dir.file("x.so") + " is not a regular file; skipped"));
}

class BrokenPluginBeside : public ::testing::Test {
 protected:
  test::ProcessResult run(const std::string& task) {
    std::string path = dir_.write("experiment.yaml",
                                  "kind: Experiment\nmetadata: {name: e}\nspec:\n  strategy:\n"
                                  "    actions:\n      start:\n      - task: " +
                                      task + "\n");
    ::mkfifo(dir_.file("plugins/x.so").c_str(), 0644);
    return runProcess(
        {handlerPath(), "run", "-a", "start", "-f", path, "--plugins-dir", shippedPluginDir(),
         "--plugins-dir", dir_.file("plugins"), "--plugins-dir", testPluginDir("bad_ctor_crash"),
         "--plugins-dir", testPluginDir("bad_ctor_exit"), "--plugins-dir",
         testPluginDir("bad_huge_count"), "--termination-log", dir_.file("termination-log")});
  }
  void SetUp() override { std::filesystem::create_directories(dir_.file("plugins")); }
  TempDir dir_;
};

TEST_F(BrokenPluginBeside, AnUnrelatedActionStillRuns) {
  auto start = std::chrono::steady_clock::now();
  auto result = run("common/exec\n        with: {cmd: \"true\"}");
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10))
      << "the FIFO x.so must not block";
}

TEST_F(BrokenPluginBeside, TheActionThatNeedsItFailsWithTheReason) {
  auto result = run("bad_ctor_crash/noop");
  EXPECT_EQ(result.exitCode, 4) << result.err;
  EXPECT_THAT(test::readFile(dir_.file("termination-log")),
              HasSubstr("task 0 (bad_ctor_crash/noop): library 'bad_ctor_crash' is not usable: "));
  EXPECT_THAT(test::readFile(dir_.file("termination-log")),
              HasSubstr("cannot be loaded: loading it crashed: SIGSEGV"));
  auto huge = run("bad_huge_count/noop");
  EXPECT_EQ(huge.exitCode, 4);
  EXPECT_THAT(huge.err, HasSubstr("task_count 4294967295 is more than the 1024"));
}

}  // namespace
}  // namespace iter8
