// `run:` items and `if:` conditions end to end: a real handler process, real plugins, files
// written by the tests in the shape of the reference runexperiment.yaml.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

namespace fs = std::filesystem;
using test::handlerPath;
using test::handlerRunArgv;
using test::ProcessResult;
using test::readFile;
using test::runProcess;
using test::shippedPluginDir;
using test::TempDir;
using test::testPluginDir;
using ::testing::HasSubstr;
using ::testing::Not;

// An experiment (team-a/exp-1, baseline app-v1, candidate app-v2) whose `start` action is
// `tasksYaml` (a YAML list indented by 6) and whose status says `winner` won, when given.
std::string experiment(const std::string& tasksYaml, const std::string& winner = "") {
  std::string text = R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata:
  name: exp-1
  namespace: team-a
spec:
  target: team-a/app
  strategy:
    testingPattern: A/B
    actions:
      start:
)" + tasksYaml + R"(
  versionInfo:
    baseline: {name: app-v1}
    candidates:
    - {name: app-v2}
)";
  if (!winner.empty()) {
    text +=
        "status:\n  analysis:\n    winnerAssessment:\n      provenance: test\n"
        "      timestamp: \"2021-08-06T11:54:55Z\"\n      data:\n        winnerFound: true\n"
        "        winner: " +
        winner + "\n";
  }
  return text;
}

class RunItems : public ::testing::Test {
 protected:
  ProcessResult run(const std::string& experimentText, std::vector<std::string> extra = {},
                    test::ProcessOptions options = {}) {
    std::string path = dir_.write("experiment.yaml", experimentText);
    return runProcess(
        handlerRunArgv("start", path, dir_.file("termination-log"), {"testkit"}, extra), options);
  }
  std::string terminationLog() { return readFile(dir_.file("termination-log")); }

  TempDir dir_;
};

TEST_F(RunItems, RenderNameAndNamespaceWithAtDelimiters) {
  auto result = run(experiment(R"(      - run: 'echo "Experiment: @< .Namespace >@/@< .Name >@"'
      - run: |
          echo "{{ .Name }} @< .Experiment.spec.target >@"
          exit 0)"));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "Experiment: team-a/exp-1\n{{ .Name }} team-a/app\n");
  EXPECT_THAT(result.err, HasSubstr("action start, task 0 (run): started"));
}

TEST_F(RunItems, IfRunsTheItemOnlyWhenItsConditionHolds) {
  const std::string tasks = R"(      - if: CandidateWon()
        run: 'echo v2'
      - if: not CandidateWon()
        run: 'echo v1'
      - if: WinnerFound()
        task: common/exec
        with: {cmd: echo, args: [found]}
      - if: ' not   WinnerFound() '
        run: 'echo none')";
  auto candidate = run(experiment(tasks, "app-v2"));
  EXPECT_EQ(candidate.exitCode, 0) << candidate.err;
  EXPECT_EQ(candidate.out, "v2\nfound\n");
  EXPECT_THAT(candidate.err,
              HasSubstr("action start, task 1 (run): skipped: 'if: not CandidateWon()' is false"));

  auto baseline = run(experiment(tasks, "app-v1"));
  EXPECT_EQ(baseline.exitCode, 0) << baseline.err;
  EXPECT_EQ(baseline.out, "v1\nfound\n");

  auto noWinner = run(experiment(tasks));
  EXPECT_EQ(noWinner.exitCode, 0) << noWinner.err;
  EXPECT_EQ(noWinner.out, "v1\nnone\n");
  EXPECT_THAT(noWinner.err, HasSubstr("task 2 (common/exec): skipped: 'if: WinnerFound()'"));
}

TEST_F(RunItems, ConditionsSeeTheStatusAsItIsWhenTheItemIsReached) {
  auto result = run(experiment(R"(      - if: CandidateWon()
        run: 'echo too early'
      - task: testkit/status
        with:
          patch: {analysis: {winnerAssessment: {data: {winnerFound: true, winner: app-v2}}}}
      - if: CandidateWon()
        run: 'echo promoted')"));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "promoted\n");
}

TEST_F(RunItems, UnknownConditionFailsBeforeAnythingRuns) {
  auto result = run(experiment(R"(      - run: 'echo must not run'
      - if: AnotherOneBytesTheDust()
        run: 'echo nor this')"));
  EXPECT_EQ(result.exitCode, 4);
  EXPECT_THAT(result.out, Not(HasSubstr("must not run")));
  EXPECT_EQ(terminationLog(),
            "action start, task 1 (run): condition 'if: AnotherOneBytesTheDust()' does not parse: "
            "column 1: unknown function AnotherOneBytesTheDust(); supported: WinnerFound(), "
            "CandidateWon()\n");
}

TEST_F(RunItems, MalformedItemsAreRefusedUpFront) {
  auto both = run(experiment(R"(      - task: common/exec
        run: 'echo x')"));
  EXPECT_EQ(both.exitCode, 4);
  EXPECT_THAT(terminationLog(), HasSubstr("task 0: has both 'task' and 'run'"));
  auto notText = run(experiment("      - run: [echo]"));
  EXPECT_EQ(notText.exitCode, 4);
  EXPECT_THAT(terminationLog(), HasSubstr("task 0 (run): 'run' is an array; expected a bash"));
  auto script = run(experiment("      - {run: 'echo x', with: {script: 'echo y'}}"));
  EXPECT_EQ(script.exitCode, 4);
  EXPECT_THAT(terminationLog(), HasSubstr("'with.script' is not allowed on a 'run:' item"));
}

TEST_F(RunItems, MessedUpTemplateFailsWithItsPosition) {
  auto result = run(experiment(R"(      - run: 'echo first'
      - run: '@< this is a messed up @< template >@'
      - run: 'echo must not run')"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.out, ::testing::StartsWith("first\n{\"isIter8Log\":true,"));
  EXPECT_THAT(result.out, Not(HasSubstr("must not run")));
  EXPECT_EQ(terminationLog(),
            "action start, task 1 (run): input 'run': template: 1:3: function "
            "\"this\" not defined\n");
}

TEST_F(RunItems, SecretValuesReachTheScriptButNoLog) {
  const std::string token = "t0p-S3cret+/=";
  dir_.write("secrets/top.yaml",
             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: top-secret\n"
             "stringData:\n  token: \"" +
                 token + "\"\n");
  auto result = run(experiment(R"(      - run: 'echo "@< .Secret "token" >@"'
        with:
          secret: top-secret
      - run: 'echo "@< .Secret "nope" >@"'
        with: {secret: team-a/top-secret})"),
                    {"--secrets-dir", dir_.file("secrets"), "--log-level", "trace"});
  EXPECT_EQ(result.exitCode, 1);
  // The script printed the token; the Iter8Log line after it is masked like every message.
  EXPECT_THAT(result.out, ::testing::StartsWith(token + "\n{\"isIter8Log\":true,"));
  EXPECT_EQ(result.out.find(token, 1), std::string::npos);
  EXPECT_THAT(result.err, Not(HasSubstr(token)));
  EXPECT_THAT(terminationLog(), HasSubstr("task 1 (run): input 'run': template: 1:9: executing at "
                                          "<.Secret>: Secret has no key \"nope\""));
  EXPECT_THAT(terminationLog(), Not(HasSubstr(token)));
}

TEST_F(RunItems, SecretWithoutWithSecretSaysWhatIsMissing) {
  auto result = run(experiment(R"(      - run: '@< .Secret "token" >@')"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(terminationLog(),
            "action start, task 0 (run): input 'run': template: 1:3: executing at <.Secret>: "
            "Secret is not available; set with.secret to the secret's 'name' or "
            "'namespace/name'\n");
}

TEST_F(RunItems, MissingSecretFailsTheItem) {
  auto result = run(experiment(R"(      - run: 'echo hi'
        with: {secret: nowhere})"),
                    {"--secrets-dir", dir_.file("")});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(), HasSubstr("task 0 (run): input 'with.secret': secret "));
  EXPECT_THAT(result.out, Not(HasSubstr("hi")));
}

TEST_F(RunItems, AMistypedSecretNameListsTheSecretsThatExist) {
  dir_.write("secrets/a.yaml",
             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: slack-hooks\n"
             "stringData:\n  token: \"abcdefgh\"\n");
  dir_.write("secrets/b.yaml",
             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: other\n"
             "stringData:\n  password: \"abcdefgh\"\n");
  auto result = run(experiment(R"(      - run: 'echo hi'
        with: {secret: slack-hook})"),
                    {"--secrets-dir", dir_.file("secrets")});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(),
              HasSubstr("secret 'team-a/slack-hook' not found in " + dir_.file("secrets") +
                        " (did you mean `team-a/slack-hooks`?); it holds: other/db, "
                        "team-a/slack-hooks"));
}

TEST_F(RunItems, TemplatesSeeTheExperimentByGoFieldNames) {
  auto result = run(experiment(
      R"(      - run: 'echo "@< .Spec.Target >@ @< .Spec.VersionInfo.Baseline.Name >@ @< .Kind >@"'
      - run: 'echo "@< .Status.Analysis.WinnerAssessment.Data.Winner >@ @< .ObjectMeta.Name >@"'
      - run: 'echo "@< .Experiment.Spec.Target >@ @< .Experiment.spec.target >@"')",
      "app-v2"));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "team-a/app app-v1 Experiment\napp-v2 exp-1\nteam-a/app team-a/app\n");
}

TEST_F(RunItems, WinnerFoundAndCandidateWonAreValues) {
  const std::string tasks = R"(      - run: 'echo "@< .WinnerFound >@ @< .CandidateWon >@"')";
  auto candidate = run(experiment(tasks, "app-v2"));
  EXPECT_EQ(candidate.exitCode, 0) << candidate.err;
  EXPECT_EQ(candidate.out, "true true\n");
  auto baseline = run(experiment(tasks, "app-v1"));
  EXPECT_EQ(baseline.out, "true false\n");
  auto none = run(experiment(tasks));
  EXPECT_EQ(none.out, "false false\n");
}

TEST_F(RunItems, AnUnknownFieldIsAnErrorNamingIt) {
  auto result = run(experiment(R"(      - run: 'echo "@< .Spec.Targett >@"')"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(terminationLog(), HasSubstr("action start, task 0 (run): input 'run': template: "));
  EXPECT_THAT(terminationLog(), HasSubstr("Targett"));
  EXPECT_THAT(result.out, Not(HasSubstr("echo")));
}

TEST_F(RunItems, ScratchDirIsAWritableFolderMadeForTheRun) {
  const std::string where = dir_.file("where");
  test::ProcessOptions options;
  options.unsetEnv = {"SCRATCH_DIR"};
  auto result = run(
      experiment(
          R"(      - run: 'echo ok > "$SCRATCH_DIR/f" && cat "$SCRATCH_DIR/f" && echo -n "$SCRATCH_DIR" > )" +
          where + R"('
      - task: common/bash
        with: {script: 'test -d "$SCRATCH_DIR" && test -w "$SCRATCH_DIR" && echo bash-ok'})"),
      {}, options);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "ok\nbash-ok\n");
  std::string scratch = readFile(where);
  EXPECT_THAT(scratch, HasSubstr("/iter8-scratch-"));
  // Made for this run, and removed with what the scripts left in it.
  EXPECT_FALSE(fs::exists(scratch)) << scratch;
}

TEST_F(RunItems, ScratchDirFromTheEnvironmentIsHonouredAndCreated) {
  test::ProcessOptions options;
  options.env["SCRATCH_DIR"] = dir_.file("scratch/nested");  // absent: /tmp starts empty in a pod
  auto result =
      run(experiment(R"(      - run: 'echo "$SCRATCH_DIR" && touch "$SCRATCH_DIR/left"')"), {},
          options);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, dir_.file("scratch/nested") + "\n");
  // The operator's folder is kept.
  EXPECT_TRUE(fs::exists(dir_.file("scratch/nested/left")));
}

// The reference experiment itself, read in place: its first three items render and choose
// by condition (no winner in its status: "not CandidateWon()" holds), the fourth fails; its
// dry run fails too, at the fourth.
TEST(RunItemsReference, RunExperimentRunsUntilItsMessedUpTemplate) {
  fs::path file = fs::path(ITER8_SHARED_DIR) / "reference" / "experiments" / "runexperiment.yaml";
  if (!fs::exists(file)) GTEST_SKIP() << file << " is absent";
  TempDir dir;
  auto result = runProcess({handlerPath(), "run", "-a", "start", "-f", file.string(), "--dry-run",
                            "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(result.exitCode, 4) << "the dry run names the broken template: " << result.err;
  EXPECT_THAT(result.err, HasSubstr("action start, task 3 (run): input 'run' is not a valid "
                                    "template: template: 1:3: function \"this\" not defined"));
  std::string copy = dir.write("exp.yaml", readFile(file.string()));
  result = runProcess({handlerPath(), "run", "-a", "start", "-f", copy, "--plugins-dir",
                       shippedPluginDir(), "--termination-log", dir.file("tl")});
  EXPECT_EQ(result.exitCode, 1);
  // metadata.namespace is absent in the file: Go printed the empty ObjectMeta field.
  EXPECT_THAT(result.out,
              ::testing::StartsWith("Experiment: /quickstart-exp\nv1\n"
                                    R"({"isIter8Log":true,"experimentName":"quickstart-exp",)"
                                    R"("experimentNamespace":"","source":"task-runner",)"
                                    R"("priority":1,"message":"action start, task 3 (run): )"));
  EXPECT_THAT(readFile(dir.file("tl")),
              HasSubstr("action start, task 3 (run): input 'run': template: 1:3: function "
                        "\"this\" not defined"));
}

}  // namespace
}  // namespace iter8
