// `handler run` end to end: a real handler process, real plugins, real files.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/experiment_text.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using test::handlerPath;
using test::handlerRunArgv;
using test::kRecommendV2;
using test::ProcessOptions;
using test::ProcessResult;
using test::readFile;
using test::runProcess;
using test::shippedPluginDir;
using test::startExperiment;
using test::TempDir;
using test::testPluginDir;
using ::testing::HasSubstr;
using ::testing::Not;

class HandlerRun : public ::testing::Test {
 protected:
  ProcessResult run(const std::string& experimentText, std::vector<std::string> extra = {},
                    ProcessOptions options = {}) {
    path_ = dir_.write("experiment.yaml", experimentText);
    return runProcess(
        handlerRunArgv("start", path_, dir_.file("termination-log"), {"testkit"}, extra), options);
  }
  std::string terminationLog() { return readFile(dir_.file("termination-log")); }

  TempDir dir_;
  std::string path_;
};

TEST_F(HandlerRun, ExecInterpolatesTheRecommendedVersionsVariables) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with:
          cmd: echo
          args: ["{{ .name }}", "tag={{ .tag }}", 8080, 2.5, "{{ .promote }}", "{{ .nope }}"])",
                                    kRecommendV2));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  // No HTML escaping: the original's html/template turned + & < > " ' into entities.
  // A missing key renders empty, as the original's html/template printed it.
  EXPECT_EQ(result.out, "app-v2 tag=2.0 8080 2.5 a+b&c<d>\"e' \n");
  EXPECT_THAT(result.err,
              HasSubstr("template key .nope is missing; it rendered as an empty string"));
}

TEST_F(HandlerRun, ExecPassesArgsUnchangedWhenInterpolationIsDisabled) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with:
          cmd: echo
          disableInterpolation: true
          args: ["{{ .name }}"])",
                                    kRecommendV2));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "{{ .name }}\n");
}

TEST_F(HandlerRun, ExecWithoutRecommendedVersionWarnsAndRendersEmpty) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with: {cmd: echo, args: ["[{{ .name }}]"]})"));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "[]\n");
  EXPECT_THAT(result.err, HasSubstr("no version is recommended for promotion"));
}

TEST_F(HandlerRun, ExecFailureStopsTheActionWithTheExitStatus) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with: {cmd: sh, args: ["-c", "echo first; exit 3"]}
      - task: common/exec
        with: {cmd: echo, args: ["second must not run"]})"));
  EXPECT_EQ(result.exitCode, 1);
  std::string expected = "action start, task 0 (common/exec): command 'sh' exited with status 3";
  // The command's output, then the Iter8Log line of the failure; the second task never ran.
  EXPECT_EQ(result.out,
            "first\n"
            R"({"isIter8Log":true,"experimentName":"exp-1",)"
            R"("experimentNamespace":"team-a","source":"task-runner","priority":1,)"
            R"("message":")" +
                expected +
                R"(","precedence":0})"
                "\n");
  EXPECT_THAT(result.err, HasSubstr(expected));
  EXPECT_EQ(terminationLog(), expected + "\n");
}

TEST_F(HandlerRun, ExecOfAMissingCommandSaysSo) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with: {cmd: no-such-command-iter8})"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(), HasSubstr("command 'no-such-command-iter8'"));
}

TEST_F(HandlerRun, BashSeesTheWholeExperimentAndTheVariables) {
  auto result = run(startExperiment(R"(      - task: common/bash
        with:
          script: |
            echo "{{ .this.metadata.namespace }}/{{ .this.metadata.name }} -> {{ .name }}:{{ .tag }}"
            echo "{{- .this.spec.target -}}"
            cat <<'END'
            {{ .promote }}
            END)",
                                    kRecommendV2));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "team-a/exp-1 -> app-v2:2.0\nteam-a/app\na+b&c<d>\"e'\n");
}

TEST_F(HandlerRun, BashScriptFailureIsATaskFailure) {
  auto result = run(startExperiment(R"(      - task: common/bash
        with: {script: "exit 7"})"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(),
              HasSubstr("task 0 (common/bash): bash script exited with status 7"));
}

TEST_F(HandlerRun, TemplateErrorNamesTheInputAndPosition) {
  auto result = run(startExperiment(R"(      - task: common/bash
        with: {script: "echo {{ .name "})"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(),
              HasSubstr("action start, task 0 (common/bash): input 'with.script': "));
  EXPECT_THAT(terminationLog(), HasSubstr("1:"));
}

TEST_F(HandlerRun, MissingInputFailsBeforeAnyTaskRuns) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with: {cmd: echo, args: ["must not run"]}
      - task: common/exec
        with: {args: ["x"]})"));
  EXPECT_EQ(result.exitCode, 4);
  EXPECT_THAT(result.out, Not(HasSubstr("must not run")))
      << "no task may run when a later one is invalid";
  EXPECT_EQ(terminationLog(),
            "action start, task 1 (common/exec): input 'with.cmd' is required; expected string\n");
}

TEST_F(HandlerRun, WrongTypeNamesFieldAndExpectation) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with: {cmd: echo, args: [true]})"));
  EXPECT_EQ(result.exitCode, 4);
  EXPECT_THAT(terminationLog(),
              HasSubstr("input 'with.args[0]' is a boolean true; expected string or number"));
}

TEST_F(HandlerRun, UnknownInputIsAWarningAndTheTaskStillRuns) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with: {cmd: echo, args: [hi], disableInterpolaton: true})"));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("unknown input 'with.disableInterpolaton' is ignored"));
}

TEST_F(HandlerRun, KeysInAnotherCaseWorkAsInTheOriginal) {
  auto result = run(startExperiment(R"(      - task: common/exec
        with: {CMD: echo, Args: ["{{ .name }}"], DisableInterpolation: true})"));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "{{ .name }}\n");
}

TEST_F(HandlerRun, UnknownLibraryAndTaskAreNamed) {
  auto lib = run(startExperiment("      - task: nosuch/thing"));
  EXPECT_EQ(lib.exitCode, 4);
  EXPECT_THAT(
      terminationLog(),
      HasSubstr("action start, task 0 (nosuch/thing): no plugin provides library 'nosuch'"));
  auto task = run(startExperiment("      - task: common/nosuch"));
  EXPECT_EQ(task.exitCode, 4);
  EXPECT_THAT(task.err, HasSubstr("has no task 'nosuch'; it offers common/exec, common/bash"));
}

TEST_F(HandlerRun, SemanticCheckInMakeTaskFailsUpFront) {
  auto result = run(startExperiment(R"(      - task: testkit/range
        with: {low: 5, high: 1})"));
  EXPECT_EQ(result.exitCode, 4);
  EXPECT_THAT(terminationLog(),
              HasSubstr("task 0 (testkit/range): input 'with.low' must be less than 'with.high'"));
}

TEST_F(HandlerRun, ATaskErrorStopsTheActionWithItsMessage) {
  auto result = run(startExperiment(R"(      - task: testkit/fail
        with: {message: "upstream said no"}
      - task: common/exec
        with: {cmd: echo, args: [must not run]})"));
  EXPECT_EQ(result.exitCode, 1);
  // Nothing else ran; stdout has only the Iter8Log line of the failure.
  EXPECT_EQ(result.out,
            R"({"isIter8Log":true,"experimentName":"exp-1","experimentNamespace":"team-a",)"
            R"("source":"task-runner","priority":1,)"
            R"("message":"action start, task 0 (testkit/fail): upstream said no","precedence":0})"
            "\n");
  EXPECT_EQ(terminationLog(), "action start, task 0 (testkit/fail): upstream said no\n");
}

TEST_F(HandlerRun, ATaskThatThrowsBecomesAnErrorNotACrash) {
  auto result = run(startExperiment("      - task: testkit/throw"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(),
              HasSubstr("action start, task 0 (testkit/throw): boom from testkit/throw"));
}

TEST_F(HandlerRun, UndefinedActionWarnsAndSucceeds) {
  path_ = dir_.write("e.yaml", startExperiment("      - task: testkit/throw"));
  auto result = runProcess(
      {handlerPath(), "run", "-a", "finish", "-f", path_, "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_THAT(result.err, HasSubstr("action 'finish' is not defined"));
}

TEST_F(HandlerRun, DryRunValidatesEverythingAndRunsNothing) {
  auto ok = run(startExperiment(R"(      - task: common/exec
        with: {cmd: touch, args: ["should-not-exist"]})"),
                {"--dry-run"}, ProcessOptions{{}, {}, dir_.path()});
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("should-not-exist")));
  auto bad = run(startExperiment("      - task: common/exec"), {"--dry-run"});
  EXPECT_EQ(bad.exitCode, 4);
}

TEST_F(HandlerRun, StatusUpdatesAreWrittenBackToTheFileAsYaml) {
  auto result = run(
      startExperiment(R"(      - task: testkit/status
        with: {patch: {analysis: {note: "from task 0"}, stage: Running}}
      - task: testkit/status
        with: {patch: {stage: Done}})",
                      "status:\n  initTime: \"2021-08-06T11:54:37Z\"\n  completedIterations: 0\n"));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  rapidjson::Document doc = parseYaml(readFile(path_));
  EXPECT_EQ(
      toJson(doc["status"]),
      R"({"initTime":"2021-08-06T11:54:37Z","completedIterations":0,"analysis":{"note":"from task 0"},"stage":"Done"})");
  EXPECT_STREQ(doc["spec"]["versionInfo"]["baseline"]["variables"][0]["value"].GetString(), "1.0")
      << "a string that looks like a number must stay a string";
}

TEST_F(HandlerRun, OutputOptionLeavesTheInputUntouched) {
  std::string original = startExperiment(R"(      - task: testkit/status
        with: {patch: {stage: Done}})");
  auto result = run(original, {"--output", dir_.file("out.yaml")});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(readFile(path_), original);
  EXPECT_EQ(std::string(parseYaml(readFile(dir_.file("out.yaml")))["status"]["stage"].GetString()),
            "Done");
}

TEST_F(HandlerRun, JsonInJsonOut) {
  path_ = dir_.write("e.json", toJson(parseYaml(startExperiment(R"(      - task: testkit/status
        with: {patch: {stage: Done}})"))));
  auto result = runProcess({handlerPath(), "run", "-a", "start", "-f", path_, "--plugins-dir",
                            testPluginDir("testkit")});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(std::string(parseJson(readFile(path_))["status"]["stage"].GetString()), "Done");
}

TEST_F(HandlerRun, UnreadableExperimentIsExitCode3) {
  auto result = runProcess({handlerPath(), "run", "-a", "start", "-f", dir_.file("missing.yaml")});
  EXPECT_EQ(result.exitCode, 3);
  EXPECT_THAT(result.err, HasSubstr("cannot read experiment file"));
  auto broken = run("spec: [unclosed\n");
  EXPECT_EQ(broken.exitCode, 3);
  EXPECT_THAT(broken.err, HasSubstr("invalid YAML at line"));
}

TEST_F(HandlerRun, BadCommandLineIsExitCode2) {
  EXPECT_EQ(runProcess({handlerPath(), "run", "-f", "x.yaml"}).exitCode, 2);
  EXPECT_EQ(runProcess({handlerPath(), "frobnicate"}).exitCode, 2);
  EXPECT_EQ(runProcess({handlerPath(), "version", "--log-level"}).exitCode, 2);
}

TEST_F(HandlerRun, SecretsNeverReachTheLogOrTerminationLog) {
  const std::string token = "s3cr3t-T0ken+/=&<>";
  dir_.write("secrets/token.yaml",
             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-token\n"
             "  namespace: team-a\nstringData:\n  token: \"" +
                 token + "\"\n  fail: \"" + token + "\"\n");
  auto result = run(startExperiment(R"(      - task: testkit/secret
        with: {ref: api-token})"),
                    {"--secrets-dir", dir_.file("secrets"), "--log-level", "trace"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.err, HasSubstr("key token = ******"));
  EXPECT_THAT(result.err, Not(HasSubstr(token)));
  EXPECT_THAT(result.out, Not(HasSubstr(token)));
  EXPECT_THAT(terminationLog(), HasSubstr("bad token ******"));
  EXPECT_THAT(terminationLog(), Not(HasSubstr(token)));
}

TEST_F(HandlerRun, SecretsDecodeBase64DataAndResolveNamespaces) {
  dir_.write(
      "secrets/other.yaml",
      "kind: Secret\nmetadata: {name: creds, namespace: other}\ndata:\n  fail: aGVsbG8td29ybGQ=\n");
  auto result = run(startExperiment(R"(      - task: testkit/secret
        with: {ref: other/creds})"),
                    {"--secrets-dir", dir_.file("secrets")});
  EXPECT_EQ(result.exitCode, 1) << result.err;  // testkit/secret fails on key "fail"
  EXPECT_THAT(terminationLog(), HasSubstr("bad token ******"));
  auto missing = run(startExperiment(R"(      - task: testkit/secret
        with: {ref: creds})"),
                     {"--secrets-dir", dir_.file("secrets")});
  EXPECT_THAT(terminationLog(), HasSubstr("secret 'team-a/creds' not found"));
}

TEST_F(HandlerRun, SigtermCancelsTheRunningTask) {
  ProcessOptions options;
  options.terminateAfter = std::chrono::milliseconds(500);
  auto start = std::chrono::steady_clock::now();
  auto result = run(startExperiment(R"(      - task: testkit/sleep
        with: {seconds: 30}
      - task: common/exec
        with: {cmd: echo, args: [must not run]})"),
                    {}, options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(result.exitCode, 5);
  EXPECT_THAT(result.out, Not(HasSubstr("must not run")));
  EXPECT_THAT(terminationLog(), HasSubstr("sleep cancelled"));
}

TEST_F(HandlerRun, APluginInPlainCRunsAndWritesStatus) {
  auto result = run(startExperiment(R"(      - task: hello_c/greet
        with: {who: operators})"),
                    {"--plugins-dir", testPluginDir("hello_c")});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("task 0 (hello_c/greet): hello, operators"));
  EXPECT_EQ(std::string(parseYaml(readFile(path_))["status"]["message"].GetString()),
            "greeted operators");
}

TEST_F(HandlerRun, APluginBuiltForAbi10RunsBesideA11One) {
  auto result =
      run(startExperiment(R"(      - task: abi10/greet
        with: {who: old friends}
      - task: hello_c/greet
        with: {who: new friends})"),
          {"--plugins-dir", testPluginDir("abi10"), "--plugins-dir", testPluginDir("hello_c")});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("task 0 (abi10/greet): hello from a 1.0 plugin"));
  const rapidjson::Document written = parseYaml(readFile(path_));
  EXPECT_EQ(std::string(written["status"]["abi10"].GetString()), "greeted old friends");
  EXPECT_EQ(std::string(written["status"]["message"].GetString()), "greeted new friends");
}

TEST_F(HandlerRun, ACPluginWritesAnyTextIntoItsStatusPatchWithTheSdkJsonWriter) {
  // Quotes, a backslash, a tab and non-ASCII text: the C example builds its patch with
  // iter8/json_writer.h instead of refusing what it could not escape.
  auto result = run(startExperiment(R"(      - task: hello_c/greet
        with: {who: "say \"hi\" \\ to\tZo\u00eb"})"),
                    {"--plugins-dir", testPluginDir("hello_c")});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(std::string(parseYaml(readFile(path_))["status"]["message"].GetString()),
            "greeted say \"hi\" \\ to\tZo\xC3\xAB");
}

TEST_F(HandlerRun, ACPluginRefusesADurationTheHostWouldRefuse) {
  auto result = run(startExperiment(R"(      - task: hello_c/greet
        with: {who: operators, pause: 5})"),
                    {"--plugins-dir", testPluginDir("hello_c")});
  EXPECT_EQ(result.exitCode, 4) << result.err;
  EXPECT_THAT(result.err, HasSubstr("task 0 (hello_c/greet): input 'with.pause' is a number 5; "
                                    "expected a Go duration such as `5s`"));
  auto words = run(startExperiment(R"(      - task: hello_c/greet
        with: {who: operators, pause: "2 seconds"})"),
                   {"--plugins-dir", testPluginDir("hello_c")});
  EXPECT_EQ(words.exitCode, 4) << words.err;
  EXPECT_THAT(words.err, HasSubstr("task 0 (hello_c/greet): input 'with.pause' is \"2 seconds\"; "
                                   "expected a Go duration such as \"2s\""));
  auto fine = run(startExperiment(R"(      - task: hello_c/greet
        with: {who: operators, pause: 10ms})"),
                  {"--plugins-dir", testPluginDir("hello_c")});
  EXPECT_EQ(fine.exitCode, 0) << fine.err;
}

}  // namespace
}  // namespace iter8
