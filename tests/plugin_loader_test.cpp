// The loader's contract checks, on real shared objects built for the purpose, and the loader
// against hostile plugins and plugin folders.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/loader/plugin_registry.h"
#include "host/loader/schema_refs.h"
#include "lib/json.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

namespace fs = std::filesystem;
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
    loadPlugin(path);
  } catch (const PluginError& e) {
    return e.what();
  }
  return "";
}

TEST(PluginLoader, LoadsTheShippedCommonPlugin) {
  Plugin plugin = loadPlugin(shippedPluginDir() + "/common.so");
  EXPECT_EQ(plugin.library, "common");
  ASSERT_EQ(plugin.tasks.size(), 5u);
  EXPECT_EQ(plugin.tasks[0].name, "exec");
  EXPECT_EQ(plugin.tasks[1].name, "bash");
  EXPECT_EQ(plugin.tasks[2].name, "run");
  EXPECT_EQ(plugin.tasks[3].name, "readiness");
  EXPECT_EQ(plugin.tasks[4].name, "promote-kubectl");
  EXPECT_TRUE(plugin.tasks[0].inputSchema->IsObject());
}

TEST(PluginLoader, LoadsAPluginWrittenInPlainC) {
  Plugin plugin = loadPlugin(testPluginDir("hello_c") + "/hello_c.so");
  EXPECT_EQ(plugin.library, "hello_c");
  EXPECT_EQ(plugin.version, "1.1.0");
  EXPECT_EQ(plugin.abiMinor, ITER8_ABI_MINOR);  // built against the current header
  ASSERT_NE(plugin.findTask("greet"), nullptr);
}

TEST(PluginLoader, LoadsAPluginBuiltForAbi11) {
  Plugin plugin = loadPlugin(testPluginDir("hello_c_abi11") + "/hello_c.so");
  EXPECT_EQ(plugin.library, "hello_c");
  EXPECT_EQ(plugin.abiMajor, 1);
  EXPECT_EQ(plugin.abiMinor, 1);
}

TEST(PluginLoader, LoadsAPluginBuiltForAbi10) {
  Plugin plugin = loadPlugin(testPluginDir("abi10") + "/abi10.so");
  EXPECT_EQ(plugin.library, "abi10");
  EXPECT_EQ(plugin.abiMajor, 1);
  EXPECT_EQ(plugin.abiMinor, 0);
}

TEST(PluginLoader, AbiRuleBothDirections) {
  EXPECT_NO_THROW(checkAbiVersion(1, 0, 1, 1));  // a 1.0 plugin in a 1.1 host
  EXPECT_NO_THROW(checkAbiVersion(1, 1, 1, 1));
  try {
    checkAbiVersion(1, 1, 1, 0);  // a 1.1 plugin in a 1.0 host
    FAIL() << "a 1.0 host must refuse a 1.1 plugin";
  } catch (const PluginError& e) {
    EXPECT_THAT(e.what(), HasSubstr("built for plugin ABI 1.1 but this handler supports ABI 1.0"));
  }
  EXPECT_THROW(checkAbiVersion(2, 0, 1, 1), PluginError);
  EXPECT_THROW(checkAbiVersion(0, 9, 1, 1), PluginError);
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
  EXPECT_THAT(error, HasSubstr("built for plugin ABI 99."));
  EXPECT_THAT(error, HasSubstr("this handler supports ABI 1.2"));
}

TEST(PluginLoader, RejectsANewerMinor) {
  EXPECT_THAT(loadError(badPlugin("newer_minor")), HasSubstr("built for plugin ABI 1.3"));
}

TEST(PluginLoader, RejectsAPluginWithoutMakeTask) {
  EXPECT_THAT(loadError(badPlugin("no_make_task")), HasSubstr("does not export 'MakeTask'"));
}

TEST(PluginLoader, APreReleaseEntryPointNameGetsAHint) {
  std::string error = loadError(badPlugin("pre_release"));
  EXPECT_THAT(error, HasSubstr("does not export 'MakeTask' (it exports 'iter8_plugin_make_task', "
                               "the entry point's name before ABI 1.0 was released; rebuild it"));
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
  registry.loadAll();
  ASSERT_EQ(registry.plugins().size(), 1u);
  ASSERT_EQ(registry.loadErrors().size(), 1u);
  EXPECT_EQ(registry.find("common").library, "common");
}

TEST(PluginRegistry, OpensOnlyTheFileOfTheLibraryAskedFor) {
  TempDir dir;
  dir.write("broken.so", "garbage");
  std::filesystem::copy_file(shippedPluginDir() + "/common.so", dir.file("common.so"));
  PluginRegistry registry;
  registry.scan({dir.path(), testPluginDir("bad_ctor_crash")});
  EXPECT_EQ(registry.find("common").library, "common");
  EXPECT_TRUE(registry.loadErrors().empty()) << "broken.so was never opened";
  EXPECT_EQ(registry.plugins().size(), 1u);
}

TEST(PluginRegistry, TheSameLibraryInTwoFoldersNamesBothFiles) {
  TempDir dir;
  std::filesystem::copy_file(shippedPluginDir() + "/common.so", dir.file("common.so"));
  PluginRegistry registry;
  registry.scan({shippedPluginDir(), dir.path()});
  try {
    registry.find("common");
    FAIL() << "a conflict must make the library unusable";
  } catch (const PluginError& e) {
    EXPECT_THAT(e.what(), HasSubstr("claimed by two plugins"));
    EXPECT_THAT(e.what(), HasSubstr(shippedPluginDir() + "/common.so"));
    EXPECT_THAT(e.what(), HasSubstr(dir.file("common.so")));
  }
}

TEST(PluginRegistry, OneFolderNamedTwiceIsNotAConflict) {
  PluginRegistry registry;
  registry.scan({shippedPluginDir(), shippedPluginDir() + "/."});
  EXPECT_EQ(registry.find("common").library, "common");
}

TEST(PluginRegistry, AFileNamedAfterAnotherLibraryIsRefused) {
  TempDir dir;
  std::filesystem::copy_file(testPluginDir("bad_duplicate") + "/bad_duplicate.so",
                             dir.file("acme.so"));
  PluginRegistry registry;
  registry.scan({dir.path()});
  try {
    registry.find("acme");
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_THAT(e.what(), HasSubstr("provides library 'common' but is named acme.so; a "
                                    "library's file must be named after it (common.so)"));
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
  TempDir dir;
  std::filesystem::copy_file(shippedPluginDir() + "/common.so", dir.file("common.so"));
  auto result = runProcess(
      {handlerPath(), "plugins", "--plugins-dir", shippedPluginDir(), "--plugins-dir", dir.path()});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.out, HasSubstr("[unusable: claimed twice]"));
  EXPECT_THAT(result.out, HasSubstr(dir.file("common.so") + " claims library 'common', already "
                                                            "provided by"));
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
  EXPECT_THAT(bad.err, HasSubstr("built for plugin ABI 99."));
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << "one line: " << bad.err;
  auto good = runProcess({handlerPath(), "plugins", "check", shippedPluginDir() + "/common.so"});
  EXPECT_EQ(good.exitCode, 0);
  EXPECT_THAT(good.out, HasSubstr("ok: "));
  EXPECT_THAT(good.out, HasSubstr("common/exec common/bash"));
}

// Hostile plugins and plugin folders: constructors that crash, exit or hang, absurd
// descriptor numbers, recursive schemas, FIFOs.

std::string safeLoadError(const std::string& path) {
  try {
    loadPluginSafely(path);
  } catch (const PluginError& e) {
    return e.what();
  }
  return "";
}

TEST(PluginSafety, ACrashingConstructorIsReportedNotFatal) {
  EXPECT_EQ(safeLoadError(badPlugin("ctor_crash")),
            "cannot be loaded: loading it crashed: SIGSEGV");
}

TEST(PluginSafety, AnExitingConstructorIsReportedNotFatal) {
  EXPECT_EQ(safeLoadError(badPlugin("ctor_exit")),
            "cannot be loaded: loading it exited without returning (exit status 0)");
}

TEST(PluginSafety, AHangingConstructorIsStoppedAfterTheLoadLimit) {
  EXPECT_THAT(safeLoadError(badPlugin("ctor_hang")),
              HasSubstr("cannot be loaded: loading it did not finish within 10s"));
}

TEST(PluginSafety, AHugeTaskCountIsRefusedBeforeAnyEntryIsRead) {
  EXPECT_EQ(safeLoadError(badPlugin("huge_count")),
            "descriptor task_count 4294967295 is more than the 1024 tasks a plugin may declare");
}

TEST(PluginSafety, AHugeStrideIsRefusedBeforeAnyEntryIsRead) {
  EXPECT_EQ(safeLoadError(badPlugin("huge_stride")),
            "descriptor tasks_stride 1073741824 is larger than 4096 bytes; it must be "
            "sizeof(iter8_task_info)");
}

TEST(PluginSafety, ARecursiveSchemaIsRefusedWithAReason) {
  EXPECT_EQ(safeLoadError(badPlugin("recursive_schema")),
            "task 'noop' has an unusable input schema: $ref '#' at the root refers to an "
            "enclosing schema; recursive schemas are not supported");
}

TEST(PluginSafety, AFifoIsNotOpened) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("x.so").c_str(), 0644), 0);
  EXPECT_EQ(safeLoadError(dir.file("x.so")), "is not a regular file; skipped");
}

// Whoever can write a plugin runs code as the handler: a plugin file or folder writable by
// others is refused before it is opened, unless ITER8_PLUGINS_TRUST=warn.
TEST(PluginTrust, AWorldWritableFileOrFolderIsRefusedUnlessTrustIsWarn) {
  TempDir dir;
  fs::create_directories(dir.file("plugins"));
  fs::permissions(dir.file("plugins"), fs::perms(0755));
  std::string copy = dir.file("plugins/common.so");
  fs::copy_file(shippedPluginDir() + "/common.so", copy);
  fs::permissions(copy, fs::perms(0666));
  EXPECT_THAT(safeLoadError(copy), HasSubstr("is not loaded: its file " + copy +
                                             " is writable by others than its owner and root "
                                             "(mode 0666): chmod go-w " +
                                             copy));
  auto check = runProcess({handlerPath(), "plugins", "check", copy});
  EXPECT_EQ(check.exitCode, 1);
  EXPECT_THAT(check.err, HasSubstr("anyone who can write it runs code as the handler"));

  fs::permissions(copy, fs::perms(0755));
  fs::permissions(dir.file("plugins"), fs::perms(0777));
  EXPECT_THAT(safeLoadError(copy), HasSubstr("its folder " + dir.file("plugins") +
                                             " is writable by others than its owner and root "
                                             "(mode 0777)"));
  test::ProcessOptions warn;
  warn.env["ITER8_PLUGINS_TRUST"] = "warn";
  auto loaded = runProcess({handlerPath(), "plugins", "check", copy}, warn);
  EXPECT_EQ(loaded.exitCode, 0) << loaded.err;
  EXPECT_THAT(loaded.err, HasSubstr("is loaded though its folder"));

  fs::permissions(dir.file("plugins"), fs::perms(0755));
  EXPECT_EQ(safeLoadError(copy), "") << "owner-writable only: trusted";
}

std::string refProblem(const char* schema) {
  return findRecursiveRef(parseJson(schema)).value_or("");
}

TEST(SchemaRefs, AcceptsReferencesToSiblingDefinitions) {
  EXPECT_EQ(refProblem(R"({"definitions":{"url":{"type":"string"}},
      "properties":{"a":{"$ref":"#/definitions/url"},"b":{"items":{"$ref":"#/definitions/url"}}}})"),
            "");
}

TEST(SchemaRefs, RefusesSelfEnclosingCyclicNonLocalAndDanglingReferences) {
  EXPECT_THAT(refProblem(R"({"allOf":[{"$ref":"#"}]})"),
              HasSubstr("$ref '#' at /allOf/0 refers to an enclosing schema"));
  EXPECT_THAT(refProblem(R"({"properties":{"kids":{"items":{"$ref":"#/properties/kids"}}}})"),
              HasSubstr("refers to an enclosing schema"));
  EXPECT_THAT(refProblem(R"({"definitions":{"a":{"$ref":"#/definitions/b"},
      "b":{"$ref":"#/definitions/a"}},"properties":{"x":{"$ref":"#/definitions/a"}}})"),
              HasSubstr("starts a cycle of references"));
  EXPECT_THAT(refProblem(R"({"properties":{"x":{"$ref":"http://example.com/s.json"}}})"),
              HasSubstr("is not a local reference"));
  EXPECT_THAT(refProblem(R"({"properties":{"x":{"$ref":"#/definitions/none"}}})"),
              HasSubstr("points to nothing"));
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

TEST(HandlerVersion, PrintsTheAbi) {
  auto result = runProcess({handlerPath(), "version"});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_THAT(result.out, HasSubstr("plugin ABI 1.2"));
}

}  // namespace
}  // namespace iter8
