// common/readiness and common/promote-kubectl against a fake `kubectl` on PATH: a bash script
// written by the test that records every call's argv and simulates objects that appear late,
// never appear, or never become ready.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

namespace fs = std::filesystem;
using test::handlerPath;
using test::ProcessResult;
using test::readFile;
using test::runProcess;
using test::shippedPluginDir;
using test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Records "arg1|arg2|..." per call in calls.log beside itself. An object KIND.NS.NAME is
// described by the file objects/KIND.NS.NAME holding "APPEAR READY": `get` fails for the first
// APPEAR calls (-1: always) and `wait` for the first READY calls (-1: always). Unknown objects
// are NotFound. `apply` exits with $FAKE_APPLY_EXIT (default 0).
constexpr const char* kFakeKubectl = R"sh(#!/bin/bash
here="$(cd "$(dirname "$0")" && pwd)"
(IFS='|'; printf '%s\n' "$*") >> "$here/calls.log"
cmd="$1"; shift
case "$cmd" in
  get) kind="$1"; name="$2"; ns="${4:-}" ;;
  wait) kind="${1%%/*}"; name="${1#*/}"; ns="${3:-}" ;;
  apply) echo "applied"; exit "${FAKE_APPLY_EXIT:-0}" ;;
  *) echo "fake kubectl: unknown command $cmd" >&2; exit 2 ;;
esac
key="$kind.$ns.$name"
if [ ! -f "$here/objects/$key" ]; then
  echo "Error from server (NotFound): $kind \"$name\" not found" >&2; exit 1
fi
read -r appear ready < "$here/objects/$key"
mkdir -p "$here/count"
n=$(cat "$here/count/$key.$cmd" 2>/dev/null || echo 0)
echo $((n + 1)) > "$here/count/$key.$cmd"
if [ "$cmd" = get ]; then
  if [ "$appear" -lt 0 ] || [ "$n" -lt "$appear" ]; then
    echo "Error from server (NotFound): $kind \"$name\" not found" >&2; exit 1
  fi
  echo "NAME    READY"; echo "$name   1/1"; exit 0
fi
if [ "$ready" -lt 0 ] || [ "$n" -lt "$ready" ]; then
  echo "error: timed out waiting for the condition on $kind/$name" >&2; exit 1
fi
echo "$kind/$name condition met"
)sh";

class KubectlTasks : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(bin() + "/objects");
    std::string script = dir_.write("bin/kubectl", kFakeKubectl);
    fs::permissions(script, fs::perms::owner_all);
  }
  std::string bin() const { return dir_.path() + "/bin"; }
  void object(const std::string& key, int appear, int ready = 0) {
    dir_.write("bin/objects/" + key, std::to_string(appear) + " " + std::to_string(ready) + "\n");
  }
  std::vector<std::string> calls() const {
    std::vector<std::string> lines;
    std::ifstream in(bin() + "/calls.log");
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  struct Timed {
    ProcessResult result;
    double seconds;
  };
  struct Options {
    std::string spec;           // more members of spec, indented by 2
    std::string status;         // the status section, indented by 2 (none when empty)
    std::string ns = "team-a";  // metadata.namespace; none when empty
    std::string path;           // PATH; default: the fake kubectl's folder, /usr/bin, /bin
    int terminateAfterMs = 0;
    std::map<std::string, std::string> env;
  };
  // Runs action `start` (`tasksYaml`, indented by 6) of an experiment named exp.
  Timed run(const std::string& tasksYaml, const Options& o) {
    std::string text =
        "apiVersion: iter8.tools/v2alpha2\nkind: Experiment\nmetadata:\n  name: exp\n" +
        (o.ns.empty() ? "" : "  namespace: " + o.ns + "\n") + "spec:\n  target: team-a/app\n" +
        o.spec + "  strategy:\n    actions:\n      start:\n" + tasksYaml + "\n" +
        (o.status.empty() ? "" : "status:\n" + o.status);
    std::string file = dir_.write("experiment.yaml", text);
    test::ProcessOptions options;
    options.env = o.env;
    options.env["PATH"] = o.path.empty() ? bin() + ":/usr/bin:/bin" : o.path;
    options.terminateAfter = std::chrono::milliseconds(o.terminateAfterMs);
    auto start = std::chrono::steady_clock::now();
    auto result =
        runProcess({handlerPath(), "run", "-a", "start", "-f", file, "--plugins-dir",
                    shippedPluginDir(), "--termination-log", dir_.file("termination-log")},
                   options);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return {result, seconds};
  }
  Timed run(const std::string& tasksYaml) { return run(tasksYaml, Options{}); }
  std::string terminationLog() const { return readFile(dir_.file("termination-log")); }

  TempDir dir_;
};

constexpr const char* kFast = "initialDelaySeconds: 0.2, intervalSeconds: 0.3";

TEST_F(KubectlTasks, ReadinessWaitsForAnObjectThatAppearsLate) {
  object("deployment.team-a.hello", 2);
  auto [result, seconds] =
      run(std::string("      - task: common/readiness\n        with: {") + kFast +
          ", numRetries: 5, objRefs: [{kind: deployment, name: hello}]}");
  EXPECT_EQ(result.exitCode, 0) << result.err;
  // Two misses, then found: three `get`s in the experiment's namespace, no `wait`.
  EXPECT_THAT(calls(),
              ElementsAre("get|deployment|hello|-n|team-a", "get|deployment|hello|-n|team-a",
                          "get|deployment|hello|-n|team-a"));
  EXPECT_THAT(result.err, HasSubstr("all 1 object(s) ready at attempt 3"));
  // 0.2 s delay + 2 intervals of 0.3 s, and not much more.
  EXPECT_GE(seconds, 0.8);
  EXPECT_LT(seconds, 10.0);  // generous under load; the defaults would take 15 s
}

TEST_F(KubectlTasks, ReadinessChecksEveryObjectEveryAttemptAndNamesAllThatFailed) {
  object("deployment.team-a.ok", 0, 0);
  object("deployment.other.slow", 0, -1);  // exists, never meets waitFor
  // deployment.team-a.ghost is never created.
  auto [result, seconds] = run(std::string("      - task: common/readiness\n        with: {") +
                               kFast + R"(, numRetries: 2, objRefs: [
            {kind: deployment, name: ok, waitFor: condition=available},
            {kind: deployment, name: slow, namespace: other, waitFor: condition=available},
            {kind: deployment, name: ghost}]})");
  EXPECT_EQ(result.exitCode, 1);
  auto log = calls();
  // 1 + numRetries = 3 attempts, each checking all three objects: get+wait, get+wait, get.
  ASSERT_EQ(log.size(), 15u) << testing::PrintToString(log);
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_EQ(log[attempt * 5 + 0], "get|deployment|ok|-n|team-a");
    EXPECT_EQ(log[attempt * 5 + 1],
              "wait|deployment/ok|-n|team-a|--for=condition=available|--timeout=0s");
    EXPECT_EQ(log[attempt * 5 + 2], "get|deployment|slow|-n|other");
    EXPECT_EQ(log[attempt * 5 + 3],
              "wait|deployment/slow|-n|other|--for=condition=available|--timeout=0s");
    EXPECT_EQ(log[attempt * 5 + 4], "get|deployment|ghost|-n|team-a");
  }
  EXPECT_GE(seconds, 0.8);   // 0.2 + 2 x 0.3
  EXPECT_LT(seconds, 10.0);  // generous under load; the defaults would take 15 s
  std::string message = terminationLog();
  EXPECT_THAT(message, HasSubstr("action start, task 0 (common/readiness): 2 of 3 object(s) not "
                                 "ready after 3 attempt(s)"));
  EXPECT_THAT(message,
              HasSubstr("deployment other/slow is not condition=available (error: timed out "
                        "waiting for the condition on deployment/slow)"));
  EXPECT_THAT(message, HasSubstr("deployment team-a/ghost is missing (Error from server "
                                 "(NotFound): deployment \"ghost\" not found)"));
  EXPECT_THAT(message, Not(HasSubstr("team-a/ok")));
  // The Iter8Log line for the failed action.
  EXPECT_THAT(result.out, HasSubstr(R"({"isIter8Log":true,"experimentName":"exp",)"
                                    R"("experimentNamespace":"team-a","source":"task-runner",)"
                                    R"("priority":1,"message":"action start, task 0 )"
                                    R"((common/readiness): 2 of 3 object(s) not ready)"));
}

TEST_F(KubectlTasks, ReadinessAddsTheVersionsWeightObjectsOnce) {
  object("VirtualService.routing.vs", 0);
  object("InferenceService.team-a.model", 1);
  const std::string spec = R"(  versionInfo:
    baseline:
      name: v1
      weightObjRef: {kind: VirtualService, name: vs, namespace: routing, fieldPath: .spec}
    candidates:
    - name: v2
      weightObjRef: {kind: VirtualService, name: vs, namespace: routing, fieldPath: .spec}
    - name: v3
      weightObjRef: {kind: InferenceService, name: model, fieldPath: .spec}
)";
  Options options;
  options.spec = spec;
  auto [result, seconds] =
      run(std::string("      - task: common/readiness\n        with: {") + kFast + "}", options);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  // The shared VirtualService is checked once per attempt; the last candidate's namespace
  // defaults to the experiment's (the Go code gave every candidate the last one's namespace).
  EXPECT_THAT(
      calls(),
      ElementsAre("get|VirtualService|vs|-n|routing", "get|InferenceService|model|-n|team-a",
                  "get|VirtualService|vs|-n|routing", "get|InferenceService|model|-n|team-a"));
}

// kubectl's output is judged by its last line: 200 MB of it are read back as a bounded tail,
// not held whole (it was held about five times over).
TEST_F(KubectlTasks, HugeKubectlOutputKeepsItsLastWordsInBoundedMemory) {
  dir_.write("bin/kubectl",
             "#!/bin/bash\nhead -c 200000000 /dev/zero | tr '\\0' x\necho\n"
             "echo 'error: the last words' >&2\nexit 1\n");
  auto [result, seconds] = run(std::string("      - task: common/readiness\n        with: {") +
                               kFast + ", numRetries: 0, objRefs: [{kind: pod, name: big}]}");
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(), HasSubstr("pod team-a/big is missing (error: the last words)"));
  EXPECT_LT(test::largestChildRssKb(), 100 * 1024) << "kB: kubectl's output was held whole";
}

TEST_F(KubectlTasks, ReadinessDefaultsAreTheOriginals) {
  // Default initial delay 5 s: a SIGTERM after 1 s ends the wait at once (exit 5), having
  // run no kubectl at all.
  object("deployment.team-a.hello", 0);
  Options options;
  options.terminateAfterMs = 1000;
  auto [result, seconds] = run(
      "      - task: common/readiness\n        with: {objRefs: [{kind: deployment, name: hello}]}",
      options);
  EXPECT_EQ(result.exitCode, 5) << result.err;
  EXPECT_THAT(result.err, HasSubstr("checking 1 object(s) after 5 s, up to 13 time(s) 5 s apart"));
  EXPECT_TRUE(calls().empty());
  EXPECT_LT(seconds, 4.0);
}

TEST_F(KubectlTasks, ReadinessRefusesMalformedNamesBeforeAnythingRuns) {
  auto [result, seconds] =
      run("      - run: echo must not run\n"
          "      - task: common/readiness\n        with: {objRefs: [{kind: deployment, name: "
          "Hello_World}]}");
  EXPECT_EQ(result.exitCode, 4);
  EXPECT_THAT(terminationLog(),
              HasSubstr("action start, task 1 (common/readiness): input 'with.objRefs[0].name' is "
                        "'Hello_World'; expected a Kubernetes object name"));
  EXPECT_THAT(result.out, Not(HasSubstr("must not run")));
  // Dotted names are accepted with a warning (the original refused them).
  auto dotted = run(std::string("      - task: common/readiness\n        with: {") + kFast +
                    ", numRetries: 0, objRefs: [{kind: configmap, name: app.config}]}");
  EXPECT_EQ(dotted.result.exitCode, 1);
  EXPECT_THAT(dotted.result.err, HasSubstr("'app.config' is not a DNS label"));
  auto missingKind = run("      - task: common/readiness\n        with: {objRefs: [{name: x}]}");
  EXPECT_EQ(missingKind.result.exitCode, 4);
  EXPECT_THAT(terminationLog(), HasSubstr("with.objRefs[0]"));
}

TEST_F(KubectlTasks, KubectlMissingFromPathIsNamed) {
  TempDir empty;
  Options options;
  options.path = empty.path();
  auto readiness = run(std::string("      - task: common/readiness\n        with: {") + kFast +
                           ", objRefs: [{kind: deployment, name: hello}]}",
                       options);
  EXPECT_EQ(readiness.result.exitCode, 1);
  EXPECT_THAT(terminationLog(), HasSubstr("action start, task 0 (common/readiness): kubectl is not "
                                          "on PATH (" +
                                          empty.path() + ")"));
  auto promote =
      run("      - task: common/promote-kubectl\n        with: {manifest: m.yaml}", options);
  EXPECT_EQ(promote.result.exitCode, 1);
  EXPECT_THAT(terminationLog(), HasSubstr("(common/promote-kubectl): kubectl is not on PATH"));
}

TEST_F(KubectlTasks, PromoteAppliesTheInterpolatedManifestWithArgv) {
  Options options;
  options.spec = R"(  versionInfo:
    baseline:
      name: v1
      variables:
      - {name: promote, value: "https://example.com/v1 with space;rm -rf x.yaml"}
      - {name: ns, value: prod}
)";
  options.status = "  versionRecommendedForPromotion: v1\n";
  auto [result, seconds] = run(R"(      - task: common/promote-kubectl
        with: {manifest: "{{ .promote }}"}
      - task: common/promote-kubectl
        with: {manifest: "dir/{{ .nope }}", namespace: "{{ .ns }}", recursive: true})",
                               options);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  // One argument each, no shell: the space and ';' stay inside the file name. A missing key
  // renders empty, as the original's html/template did.
  EXPECT_THAT(calls(),
              ElementsAre("apply|--namespace|team-a|--filename|https://example.com/v1 with "
                          "space;rm -rf x.yaml",
                          "apply|--namespace|prod|--recursive|--filename|dir/"));
  EXPECT_EQ(result.out, "applied\napplied\n");  // kubectl's output reaches stdout
  EXPECT_THAT(result.err,
              HasSubstr("template key .nope is missing; it rendered as an empty string"));
}

TEST_F(KubectlTasks, PromoteWithoutAnyNamespaceLeavesItToKubectlAndReportsFailure) {
  Options options;
  options.ns = "";
  options.env["FAKE_APPLY_EXIT"] = "3";
  auto [result, seconds] =
      run("      - task: common/promote-kubectl\n        with: {manifest: m.yaml}", options);
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(calls(), ElementsAre("apply|--filename|m.yaml"));
  EXPECT_EQ(terminationLog(),
            "action start, task 0 (common/promote-kubectl): kubectl apply exited with status 3\n");
}

// The reference readinessexp1.yaml, unchanged: its Deployment and the VirtualService both
// versions route through are checked (the original checked only objRefs[0]).
TEST_F(KubectlTasks, ReferenceReadinessExperimentRuns) {
  fs::path file = fs::path(ITER8_SHARED_DIR) / "reference" / "experiments" / "readinessexp1.yaml";
  if (!fs::exists(file)) GTEST_SKIP() << file << " is absent";
  object("Deployment.default.hello", 0, 0);
  object("VirtualService.bookinfo-iter8.bookinfo", 0);
  std::string copy = dir_.write("readinessexp1.yaml", readFile(file.string()));
  test::ProcessOptions options;
  options.env["PATH"] = bin() + ":/usr/bin:/bin";
  auto result = runProcess(
      {handlerPath(), "run", "-a", "start", "-f", copy, "--plugins-dir", shippedPluginDir()},
      options);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(calls(),
              ElementsAre("get|Deployment|hello|-n|default",
                          "wait|Deployment/hello|-n|default|--for=condition=Ready|--timeout=0s",
                          "get|VirtualService|bookinfo|-n|bookinfo-iter8"));
  EXPECT_EQ(result.out, "");
}

}  // namespace
}  // namespace iter8
