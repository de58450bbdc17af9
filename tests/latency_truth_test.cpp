// One truth for a whole experiment, end to end: a server whose latency is chosen per request
// (so the ground truth is known), three `loop` runs of metrics/collect through the real
// handler, then `handler report --format json`. The report's percentiles must be those of
// every request of every loop, within the sketch's stated error plus the loopback overhead:
// a tail that only loop 1 had must show in p99, not vanish because the last loop was fast.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_http_server.h"

namespace iter8 {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

constexpr int kRequestsPerLoop = 100;
constexpr int kLoops = 3;
// Delays well above a busy machine's scheduling noise (a few ms), so the allowance below for
// what the client adds can be generous and the test still tells the tail apart.
constexpr int kFastMs = 20;
constexpr int kSlowMs = 200;

std::string experiment(const std::string& url) {
  return R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: truth, namespace: default}
spec:
  target: default/app
  strategy:
    testingPattern: Conformance
    actions:
      loop:
      - task: metrics/collect
        with:
          numQueries: )" +
         std::to_string(kRequestsPerLoop) + R"(
          qps: 40
          connections: 1
          versions:
          - {name: v1, url: ")" +
         url + R"("}
  versionInfo:
    baseline: {name: v1}
)";
}

// Loop 1: every 10th request takes 200 ms, the rest 20 ms; loops 2 and 3: 20 ms. Each loop first
// sends one warm-up request per connection (index 0 of each loop here), which is not recorded:
// the slow ones sit at indexes 5, 15, ... so that no warm-up is slow.
std::vector<int> latencyPlan() {
  std::vector<int> plan;
  for (int loop = 0; loop < kLoops; ++loop) {
    for (int i = 0; i <= kRequestsPerLoop; ++i)
      plan.push_back(loop == 0 && i % 10 == 5 ? kSlowMs : kFastMs);
  }
  return plan;
}

// Nearest rank: the ceil(p/100 * N)-th smallest (1-based).
double nearestRank(std::vector<int> values, double p) {
  std::sort(values.begin(), values.end());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

TEST(LatencyTruth, ReportPercentilesCoverEveryLoop) {
  testing::TestHttpServer server;
  server.setLatencyPlan(latencyPlan());
  TempDir dir;
  std::string path = dir.write("experiment.yaml", experiment(server.url("/planned")));
  for (int loop = 0; loop < kLoops; ++loop) {
    auto r = test::runProcess(test::handlerRunArgv("loop", path, dir.file("termination-log")));
    ASSERT_EQ(r.exitCode, 0) << "loop " << loop + 1 << ": " << r.err;
  }
  std::vector<int> served = server.servedDelaysMs();
  ASSERT_EQ(served.size(), static_cast<size_t>(kLoops * (kRequestsPerLoop + 1)));

  auto r = test::runProcess({test::handlerPath(), "report", "-f", path, "--format", "json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto report = parseJson(r.out);
  const auto& v1 = report["versions"][0];
  ASSERT_EQ(v1["requests"].GetInt64(), kLoops * kRequestsPerLoop);
  EXPECT_EQ(std::string(v1["percentileSource"].GetString()), "sketch");
  EXPECT_EQ(v1["percentileRuns"].GetInt64(), kLoops);
  const auto& percentiles = v1["latencyMs"];
  // The server's delay is a floor; the client adds loopback and scheduling time on top: a few
  // ms on a quiet 2-core machine, 15.6 ms seen with three builds sharing it. 30 ms still tells
  // the 20 ms requests from the 200 ms ones by far.
  constexpr double kRelativeError = 0.005;
  constexpr double kOverheadMs = 30;
  for (const auto& p : percentiles.GetObject()) {
    if (p.name == "mean") continue;
    double percentile = std::stod(std::string(p.name.GetString()).substr(1));
    double truth = nearestRank(served, percentile);
    double reported = p.value.GetDouble();
    EXPECT_GE(reported, truth * (1 - kRelativeError)) << p.name.GetString();
    // p99.9 of 300 is the slowest request, which one scheduling hiccup of a busy machine moves:
    // its upper bound says nothing about the merge.
    if (percentile < 99.9) {
      EXPECT_LE(reported, truth * (1 + kRelativeError) + kOverheadMs) << p.name.GetString();
    }
  }
  // The figure this test exists for: loop 1's tail, seen although loops 2 and 3 were fast.
  EXPECT_GE(percentiles["p99"].GetDouble(), kSlowMs);
  EXPECT_LT(percentiles["p90"].GetDouble(), kFastMs + kOverheadMs);
}

}  // namespace
}  // namespace iter8
