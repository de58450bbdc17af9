// `handler run -a ACTION` as the Job runs it: no file, EXPERIMENT_NAME/NAMESPACE set, the
// experiment on a (fake) API server over TLS with a bearer token.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/rbac_policy.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_pki.h"

namespace iter8 {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "job-token-7c1e9d2b44aa";

std::string experimentJson(const std::string& startTasks) {
  return R"({"apiVersion":"iter8.tools/v2alpha2","kind":"Experiment",
    "metadata":{"name":"canary-1","namespace":"shop"},
    "spec":{"target":"shop/checkout","strategy":{"testingPattern":"Canary","actions":{"start":)" +
         startTasks + R"(}},
      "versionInfo":{"baseline":{"name":"v1"},"candidates":[{"name":"v2"}]}},
    "status":{"stage":"Running"}})";
}

class ClusterRun : public ::testing::Test {
 protected:
  ClusterRun()
      : ca_(iter8::testing::makeCa("cluster-run-ca")),
        server_(ca_, iter8::testing::issueServerCert(ca_, "apiserver"), kToken) {
    caPath_ = dir_.write("ca.crt", ca_.certPem);
    kubeconfig_ = dir_.write("kubeconfig",
                             "apiVersion: v1\nkind: Config\ncurrent-context: job\n"
                             "contexts:\n- name: job\n  context: {cluster: c, user: u}\n"
                             "- name: stale\n  context: {cluster: gone, user: u}\n"
                             "clusters:\n- name: c\n  cluster:\n    server: " +
                                 server_.url() + "\n    certificate-authority: " + caPath_ +
                                 "\n- name: gone\n  cluster:\n    server: https://127.0.0.1:1\n"
                                 "users:\n- name: u\n  user:\n    token: " +
                                 kToken + "\n");
  }

  test::ProcessResult run(std::vector<std::string> extra = {}, bool shortDeadline = true) {
    std::vector<std::string> argv{test::handlerPath(),
                                  "run",
                                  "-a",
                                  "start",
                                  "--kubeconfig",
                                  kubeconfig_,
                                  "--plugins-dir",
                                  test::shippedPluginDir(),
                                  "--plugins-dir",
                                  test::testPluginDir("testkit"),
                                  "--termination-log",
                                  dir_.file("termination-log"),
                                  "--log-level",
                                  "trace"};
    if (shortDeadline) argv.insert(argv.end(), {"--api-deadline", "3s"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    test::ProcessOptions options;
    options.env = {{"EXPERIMENT_NAME", "canary-1"}, {"EXPERIMENT_NAMESPACE", "shop"}};
    options.unsetEnv = {"KUBECONFIG", "KUBERNETES_SERVICE_HOST"};
    return test::runProcess(argv, options);
  }

  test::TempDir dir_;
  iter8::testing::PemPair ca_;
  iter8::testing::FakeApiServer server_;
  std::string caPath_;
  std::string kubeconfig_;
};

TEST_F(ClusterRun, ReadsTheExperimentRunsTheActionAndKeepsAConcurrentWritersStatus) {
  server_.putExperiment("shop", "canary-1", experimentJson(R"([
      {"task":"common/bash","with":{"script":"echo {{ .this.metadata.namespace }}/{{ .this.metadata.name }}"}},
      {"task":"testkit/status","with":{"patch":{"message":"from the task"}}}])"));
  // The controller writes the status between our read and our write: a 409 for us.
  server_.interleaveStatusWrite(R"({"currentWeightDistribution":[{"name":"v1","value":90}]})", 1);
  auto result = run();
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "shop/canary-1\n");
  auto stored = server_.experiment("shop", "canary-1");
  EXPECT_EQ(toJson(stored["status"]),
            R"({"stage":"Running","currentWeightDistribution":[{"name":"v1","value":90}],)"
            R"("message":"from the task"})");
  EXPECT_STREQ(stored["spec"]["target"].GetString(), "shop/checkout") << "spec is never written";
  EXPECT_THAT(result.err, Not(HasSubstr(kToken)));
}

TEST_F(ClusterRun, SecretsComeFromTheClusterAndNeverReachTheLog) {
  const std::string value = "slack-hook-Zq81!x";
  server_.putSecret("shop", "hooks", {{"fail", value}});
  server_.putExperiment("shop", "canary-1",
                        experimentJson(R"([{"task":"testkit/secret","with":{"ref":"hooks"}}])"));
  auto result = run();
  EXPECT_EQ(result.exitCode, 1);  // testkit/secret fails on purpose with the value in its message
  EXPECT_THAT(result.err, HasSubstr("bad token ******"));
  EXPECT_THAT(result.err, Not(HasSubstr(value)));
  EXPECT_THAT(test::readFile(dir_.file("termination-log")), Not(HasSubstr(value)));
}

// With RBAC as container/rbac.yaml grants it to the Job's account, a run that reads the
// experiment, a secret and writes the status needs nothing more, and asks for nothing else.
TEST_F(ClusterRun, ContainerRbacGrantsEverythingARunNeeds) {
  server_.enforceRbac(iter8::testing::RbacPolicy::forServiceAccount(
      {test::readFile(std::string(ITER8_SOURCE_DIR) + "/container/rbac.yaml")}, "iter8-system",
      "iter8-handlers"));
  server_.putSecret("shop", "hooks", {{"token", "t0k"}});
  server_.putExperiment("shop", "canary-1", experimentJson(R"([
      {"task":"testkit/secret","with":{"ref":"hooks"}},
      {"task":"testkit/status","with":{"patch":{"message":"written"}}}])"));
  auto result = run();
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(server_.refusals().empty()) << server_.refusals().front();
  EXPECT_EQ(server_.usedPermissions(),
            (std::vector<std::string>{"get core secrets shop", "get iter8.tools experiments shop",
                                      "update iter8.tools experiments/status shop"}));
  // The same run without the secrets rule fails, naming the rule.
  server_.enforceRbac(iter8::testing::RbacPolicy::forServiceAccount(
      {test::readFile(std::string(ITER8_SOURCE_DIR) +
                      "/tests/install/iter8-v0.7-handler-rbac.yaml")},
      "iter8-system", "iter8-handlers"));
  auto refused = run();
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_THAT(test::readFile(dir_.file("termination-log")),
              HasSubstr("cannot get resource \"secrets\" in API group \"\" in the namespace "
                        "\"shop\""));
}

// A field the installed CRD does not declare is dropped by the API server, which says so in a
// Warning header; the operator reads it in the log and again in the closing summary.
TEST_F(ClusterRun, TheApiServersWarningsReachTheLogAndTheSummary) {
  server_.setExperimentSchema(parseJson(R"({"type":"object","properties":{
      "spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
      "status":{"type":"object","properties":{"stage":{"type":"string"},
                                               "message":{"type":"string"}}}}})"));
  server_.putExperiment("shop", "canary-1", experimentJson(R"([
      {"task":"testkit/status","with":{"patch":{"message":"kept","scratchpad":"dropped"}}}])"));
  auto result = run();
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const std::string warning = R"(API server warning (PUT /apis/iter8.tools/v2alpha2/namespaces/)"
                              R"(shop/experiments/canary-1/status): 'unknown field )"
                              R"("status.scratchpad"')";
  EXPECT_THAT(result.err, HasSubstr(warning));
  const std::string last = result.err.substr(result.err.rfind('\n', result.err.size() - 2) + 1);
  EXPECT_THAT(last, HasSubstr(warning)) << "the closing summary repeats it";
  EXPECT_STREQ(server_.experiment("shop", "canary-1")["status"]["message"].GetString(), "kept");
}

TEST_F(ClusterRun, ForbiddenReadIsExitCode3WithTheMissingPermission) {
  server_.putExperiment("shop", "canary-1", experimentJson("[]"));
  server_.failNext(403, 1, "/experiments/canary-1");
  auto result = run();
  EXPECT_EQ(result.exitCode, 3);
  std::string log = test::readFile(dir_.file("termination-log"));
  EXPECT_THAT(log, HasSubstr("403"));
  EXPECT_THAT(log, HasSubstr("experiments"));
}

TEST_F(ClusterRun, ContextOptionSelectsAnotherContext) {
  server_.putExperiment("shop", "canary-1", experimentJson("[]"));
  EXPECT_EQ(run({"--context", "job"}).exitCode, 0);
  auto stale = run({"--context", "stale"});
  EXPECT_EQ(stale.exitCode, 3);
  EXPECT_THAT(stale.err, HasSubstr("127.0.0.1:1"));
  auto missing = run({"--context", "nosuch"});
  EXPECT_EQ(missing.exitCode, 3);
  EXPECT_THAT(missing.err, HasSubstr("nosuch"));
  EXPECT_THAT(missing.err, HasSubstr("; it has "));  // the contexts that exist
  EXPECT_THAT(missing.err, HasSubstr("job"));
}

// Outside a pod a refused connection is a cluster that is not running or a wrong context, not
// a blip: say so at once, as kubectl does, instead of retrying for the 60 s a pod waits.
TEST_F(ClusterRun, ARefusedConnectionOutsideAPodFailsAtOnceSayingWhere) {
  auto stale = run({"--context", "stale"}, /*shortDeadline=*/false);
  EXPECT_EQ(stale.exitCode, 3) << stale.err;
  EXPECT_THAT(stale.err, HasSubstr("cannot connect to the server https://127.0.0.1:1 (kubeconfig " +
                                   kubeconfig_ + ", context stale): "));
  EXPECT_THAT(stale.err, HasSubstr("; is the cluster running, and is this the right context?"));
  EXPECT_THAT(stale.err, Not(HasSubstr("retrying")));
  std::istringstream lines(stale.err);
  for (std::string line; std::getline(lines, line);) EXPECT_LT(line.size(), 300u) << line;
}

TEST_F(ClusterRun, ReportReadsTheExperimentByName) {
  std::string fixture =
      test::readFile(std::string(ITER8_SOURCE_DIR) + "/tests/report/fixed-experiment.yaml");
  server_.putExperiment("shop", "checkout-canary", toJson(parseYaml(fixture)));
  test::ProcessOptions options;
  options.unsetEnv = {"KUBECONFIG", "KUBERNETES_SERVICE_HOST", "EXPERIMENT_NAME",
                      "EXPERIMENT_NAMESPACE"};
  auto result =
      test::runProcess({test::handlerPath(), "report", "--kubeconfig", kubeconfig_, "--name",
                        "checkout-canary", "--namespace", "shop", "--format", "json"},
                       options);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out,
            test::readFile(std::string(ITER8_SOURCE_DIR) + "/tests/report/expected-report.json"));
}

TEST_F(ClusterRun, EachRetryIsLoggedWithItsReasonAndWait) {
  server_.putExperiment("shop", "canary-1", experimentJson("[]"));
  server_.failNext(503, 2, "/experiments/canary-1");
  auto result = run();
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("attempt 1 failed (HTTP 503"));
  EXPECT_THAT(result.err, HasSubstr("attempt 2 failed (HTTP 503"));
  EXPECT_THAT(result.err, HasSubstr("); retrying in "));
}

TEST_F(ClusterRun, MissingExperimentNameIsExplained) {
  test::ProcessOptions options;
  options.unsetEnv = {"EXPERIMENT_NAME", "EXPERIMENT_NAMESPACE"};
  auto result = test::runProcess({test::handlerPath(), "run", "-a", "start"}, options);
  EXPECT_EQ(result.exitCode, 3);
  EXPECT_THAT(result.err, HasSubstr("give -f FILE, or --name (or EXPERIMENT_NAME)"));
}

}  // namespace
}  // namespace iter8
