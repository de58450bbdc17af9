// The verdict end to end through the real handler: two local versions, start, three loops with
// --analyze (the controller's analysis, offline), then a finish whose `if: CandidateWon()`
// items decide; and `handler analyze`'s refusals, which write nothing.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_http_server.h"

namespace iter8 {
namespace {

using test::ProcessResult;
using test::runProcess;
using test::TempDir;
using ::testing::HasSubstr;

// A canary: v1 at `v1Path`, v2 at `v2Path` of the test server; objectives on mean latency and
// error rate; finish says which way it went.
std::string canary(const testing::TestHttpServer& server, const std::string& v1Path,
                   const std::string& v2Path, const std::string& errorRateLimit = "\"0.01\"",
                   const std::string& v2Url = "") {
  return R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: verdict, namespace: default}
spec:
  target: default/app
  strategy:
    testingPattern: Canary
    actions:
      start:
      - run: 'echo started'
      loop:
      - task: metrics/collect
        with:
          numQueries: 20
          qps: 200
          connections: 2
          versions:
          - {name: v1, url: ")" +
         server.url(v1Path) + R"("}
          - {name: v2, url: ")" +
         (v2Url.empty() ? server.url(v2Path) : v2Url) + R"("}
      finish:
      - if: CandidateWon()
        run: 'echo promote v2'
      - if: not CandidateWon()
        run: 'echo keep v1'
  versionInfo:
    baseline: {name: v1}
    candidates: [{name: v2}]
  criteria:
    objectives:
    - {metric: iter8-system/mean-latency, upperLimit: 1000}
    - {metric: iter8-system/error-rate, upperLimit: )" +
         errorRateLimit + "}\n";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ProcessResult handler(std::vector<std::string> args) {
  args.insert(args.begin(), test::handlerPath());
  return runProcess(args);
}

class Verdict : public ::testing::Test {
 protected:
  // start, three loops with --analyze, finish: the finish's stdout.
  std::string runExperiment(const std::string& text) {
    path_ = dir_.write("experiment.yaml", text);
    auto start = runProcess(test::handlerRunArgv("start", path_, dir_.file("log")));
    EXPECT_EQ(start.exitCode, 0) << start.err;
    for (int loop = 0; loop < 3; ++loop) {
      auto r = runProcess(test::handlerRunArgv("loop", path_, dir_.file("log"), {}, {"--analyze"}));
      EXPECT_EQ(r.exitCode, 0) << "loop " << loop + 1 << ": " << r.err;
    }
    auto finish = runProcess(test::handlerRunArgv("finish", path_, dir_.file("log")));
    EXPECT_EQ(finish.exitCode, 0) << finish.err;
    return finish.out;
  }
  rapidjson::Document status() { return parseYaml(readFile(path_)); }

  testing::TestHttpServer server_;
  TempDir dir_;
  std::string path_;
};

TEST_F(Verdict, FailingCandidateLosesAndFinishKeepsTheBaseline) {
  EXPECT_EQ(runExperiment(canary(server_, "/fast", "/status/503")), "keep v1\n");
  rapidjson::Document doc = status();
  EXPECT_EQ(toJson(*findPath(doc, {"status", "versionRecommendedForPromotion"})), R"("v1")");
  EXPECT_EQ(toJson(*findPath(doc, {"status", "analysis", "versionAssessments", "data"})),
            R"({"v1":[true,true],"v2":[true,false]})");
  EXPECT_EQ(toJson(*findPath(doc, {"status", "analysis", "aggregatedMetrics", "data",
                                   "iter8-system/request-count", "data", "v2"})),
            R"({"value":"60"})");  // three loops of 20
  EXPECT_EQ(toJson(*findPath(doc, {"status", "analysis", "aggregatedMetrics", "data",
                                   "iter8-system/error-rate", "data", "v2"})),
            R"({"value":"1"})");
}

TEST_F(Verdict, FailingCandidateIsANoGoForReportCheck) {
  runExperiment(canary(server_, "/fast", "/status/503"));
  auto table = handler({"report", "-f", path_, "--check"});
  EXPECT_EQ(table.exitCode, 6);
  EXPECT_THAT(table.err, HasSubstr("report --check: no go: the candidate v2 did not win (the "
                                   "baseline did)"));
  EXPECT_THAT(table.out, HasSubstr("iter8-system/error-rate               <= 0.01       0 pass "
                                   "         1 FAIL\n"));
  EXPECT_THAT(table.out, HasSubstr("winner: v1 (baseline satisfies all objectives; candidate "
                                   "does not)  recommended: v1\n"));
}

// Iter8 counts requests without an HTTP response as successes: a dead candidate wins there,
// and the report says so and fails the gate.
TEST_F(Verdict, DeadCandidateWinsByIter8sRuleButFailsTheCheck) {
  EXPECT_EQ(runExperiment(canary(server_, "/fast", "", "\"0.01\"", "http://127.0.0.1:1/")),
            "promote v2\n");
  auto r = handler({"report", "-f", path_, "--check"});
  EXPECT_EQ(r.exitCode, 7);
  EXPECT_THAT(r.out, HasSubstr("! the controller counts 60 failed requests of v2 as successes"));
  EXPECT_THAT(r.err, HasSubstr("no go: v2 wins by Iter8's rule, but 60 of its requests got no "
                               "HTTP response"));
}

TEST_F(Verdict, PassingCandidateWinsAndFinishPromotesIt) {
  EXPECT_EQ(runExperiment(canary(server_, "/fast", "/fast")), "promote v2\n");
  auto check = handler({"report", "-f", path_, "--check", "--format", "json"});
  EXPECT_EQ(check.exitCode, 0) << check.err;
  EXPECT_EQ(toJson(parseJson(check.out)["verdict"]["check"]), R"("go: v2 won")");

  // 60 error-free requests do not show an error rate <= 1 % at 95 %: Wilson's upper bound is
  // 3.84 / 63.84 = 6 %. Inconclusive, with how many more requests would decide (~320).
  auto confident = handler({"report", "-f", path_, "--check", "--confidence", "0.95"});
  EXPECT_EQ(confident.exitCode, 8) << confident.err;
  EXPECT_THAT(confident.out, HasSubstr("0 ? [0, 0.0601"));
  EXPECT_THAT(confident.out, HasSubstr("? v2 iter8-system/error-rate: inconclusive at 95 %, "
                                       "straddles its limit; about 321 more requests"));
  EXPECT_THAT(confident.err,
              HasSubstr("report --check: inconclusive: iter8-system/error-rate of v2"));

  auto html = handler({"report", "-f", path_, "--format", "html", "--confidence", "0.95"});
  EXPECT_EQ(html.exitCode, 0) << html.err;
  EXPECT_THAT(html.out, HasSubstr("<td>iter8-system/error-rate</td><td>&lt;= 0.01</td><td>0 ? "));
  EXPECT_THAT(html.out, HasSubstr("<b>? v2 iter8-system/error-rate: inconclusive at 95 %"));
  rapidjson::Document doc = status();
  EXPECT_EQ(toJson(*findPath(doc, {"status", "versionRecommendedForPromotion"})), R"("v2")");
  EXPECT_EQ(toJson(*findPath(doc, {"status", "analysis", "winnerAssessment", "data"})),
            R"({"winnerFound":true,"winner":"v2"})");
}

TEST_F(Verdict, BadCriteriaExit4AndWriteNothing) {
  std::string text = canary(server_, "/fast", "/fast", "-0.5");
  std::string path = dir_.write("bad.yaml", text);
  auto analyzed = handler({"analyze", "-f", path, "-o", dir_.file("out.yaml")});
  EXPECT_EQ(analyzed.exitCode, 4);
  EXPECT_THAT(analyzed.err, HasSubstr("spec.criteria.objectives[1].upperLimit '-0.5': expected a "
                                      "non-negative number or quantity"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out.yaml")));
  EXPECT_EQ(readFile(path), text);

  EXPECT_EQ(handler({"report", "-f", path, "--check"}).exitCode, 4);

  // A pipe is read once: the output it made is removed again.
  auto piped = runProcess({"bash", "-c", "exec \"$0\" analyze -f <(cat \"$1\") -o \"$2\"",
                           test::handlerPath(), path, dir_.file("piped.yaml")});
  EXPECT_EQ(piped.exitCode, 4) << piped.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("piped.yaml")));

  auto loop = runProcess(test::handlerRunArgv("loop", path, dir_.file("log"), {}, {"--analyze"}));
  EXPECT_EQ(loop.exitCode, 4);
  EXPECT_EQ(server_.requestCount(), 0u);  // refused before any load
  EXPECT_EQ(readFile(path), text);
}

TEST_F(Verdict, AnalyzeIsRefusedInClusterMode) {
  auto r = handler({"run", "-a", "loop", "--analyze"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_THAT(r.err, HasSubstr("--analyze needs -f FILE; in a cluster the controller owns "
                               "status.analysis"));
}

}  // namespace
}  // namespace iter8
