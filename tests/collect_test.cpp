// metrics/collect through the handler: a real handler process sending load to a real HTTP
// server on loopback, results read back from the experiment file.
#include <strings.h>

#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/experiment_text.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_http_server.h"

namespace iter8 {
namespace {

using test::ProcessOptions;
using test::ProcessResult;
using test::readFile;
using test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string experiment(const std::string& with) {
  return test::collectExperiment("load-1", with);
}

class Collect : public ::testing::Test {
 protected:
  ProcessResult run(const std::string& with, ProcessOptions options = {}, bool reuseFile = false) {
    if (!reuseFile) path_ = dir_.write("experiment.yaml", experiment(with));
    std::filesystem::remove(dir_.file("termination-log"));
    return test::runProcess(
        {test::handlerPath(), "run", "-a", "loop", "-f", path_, "--plugins-dir",
         test::shippedPluginDir(), "--termination-log", dir_.file("termination-log")},
        options);
  }
  rapidjson::Document status() { return parseYaml(readFile(path_)); }
  const rapidjson::Value& result(const rapidjson::Document& doc, const char* version) {
    return doc["status"]["analysis"]["aggregatedBuiltinHists"]["data"][version];
  }
  std::string terminationLog() { return readFile(dir_.file("termination-log")); }

  testing::TestHttpServer server_;
  TempDir dir_;
  std::string path_;
};

TEST_F(Collect, RecordsFortioResultsForEachVersion) {
  auto r =
      run("          numQueries: 20\n          qps: 200\n          connections: 2\n"
          "          versions:\n"
          "          - {name: v1, url: \"" +
          server_.url("/fast") +
          "\"}\n"
          "          - {name: v2, url: \"" +
          server_.url("/status/503") + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = status();
  const auto& hists = doc["status"]["analysis"]["aggregatedBuiltinHists"];
  EXPECT_STREQ(hists["provenance"].GetString(), "Builtin metrics collector");
  EXPECT_TRUE(hists["timestamp"].IsString());
  const auto& v1 = result(doc, "v1");
  EXPECT_STREQ(v1["RunType"].GetString(), "HTTP");
  EXPECT_STREQ(v1["RequestedQPS"].GetString(), "200");
  EXPECT_STREQ(v1["RequestedDuration"].GetString(), "exactly 20 calls");
  EXPECT_EQ(v1["NumThreads"].GetInt(), 2);
  EXPECT_EQ(v1["DurationHistogram"]["Count"].GetInt(), 20);
  EXPECT_EQ(toJson(v1["RetCodes"]), R"({"200":20})");
  EXPECT_EQ(v1["ErrorsDurationHistogram"]["Count"].GetInt(), 0);
  EXPECT_EQ(v1["DurationHistogram"]["Percentiles"].Size(), 6u);
  EXPECT_EQ(v1["HTTPReqTimeOut"].GetInt64(), 3'000'000'000);
  EXPECT_EQ(v1["ExactPercentiles"]["Percentiles"].Size(), 6u);
  const auto& v2 = result(doc, "v2");
  EXPECT_EQ(toJson(v2["RetCodes"]), R"({"503":20})");
  EXPECT_EQ(v2["ErrorsDurationHistogram"]["Count"].GetInt(), 20);
  EXPECT_THAT(r.err, HasSubstr("v1: 20, "));  // the end-of-run table
}

TEST_F(Collect, NamesTheEngineThatSentTheLoad) {
  for (const char* engine : {"auto", "fast", "curl"}) {
    auto r =
        run(std::string("          numQueries: 3\n          engine: ") + engine +
            "\n          versions:\n          - {name: v1, url: \"" + server_.url("/fast") + "\"}");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    auto doc = status();
    const char* ran = std::string(engine) == "curl" ? "curl" : "fast";
    EXPECT_STREQ(result(doc, "v1")["Engine"].GetString(), ran) << engine;
    EXPECT_EQ(toJson(result(doc, "v1")["RetCodes"]), R"({"200":3})") << engine;
    EXPECT_THAT(r.err, HasSubstr(std::string("0.00% errors, ") + ran + " engine")) << engine;
  }
}

TEST_F(Collect, RefusesTheFastEngineForAnHttpsUrlBeforeAnyLoad) {
  auto r =
      run("          engine: fast\n          versions:\n"
          "          - {name: v1, url: \"" +
          server_.url("/fast") + "\"}\n          - {name: v2, url: \"https://127.0.0.1:1/x\"}");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_THAT(r.err, HasSubstr("action loop, task 0 (metrics/collect): input 'with.engine' is "
                               "\"fast\", but 'with.versions[1].url' (https://127.0.0.1:1/x) "
                               "cannot use it: the URL is https://, not plain http://"));
  EXPECT_EQ(server_.requestCount(), 0u);
}

TEST_F(Collect, RejectsAnUnknownEngine) {
  auto r = run("          engine: turbo\n          versions:\n          - {name: v1, url: \"" +
               server_.url("/fast") + "\"}");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_THAT(r.err, HasSubstr("action loop, task 0 (metrics/collect): input 'with.engine' is "
                               "a string \"turbo\"; expected one of [\"auto\",\"fast\",\"curl\"]"));
  EXPECT_EQ(server_.requestCount(), 0u);
}

TEST_F(Collect, PacesTheRequestedRate) {
  auto r =
      run("          time: 2s\n          qps: 50\n          versions:\n"
          "          - {name: v1, url: \"" +
          server_.url("/fast") + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = status();
  const auto& v1 = result(doc, "v1");
  EXPECT_STREQ(v1["RequestedDuration"].GetString(), "2s");
  EXPECT_NEAR(v1["DurationHistogram"]["Count"].GetInt(), 100, 3);
  EXPECT_NEAR(v1["ActualQPS"].GetDouble(), 50, 2.5);
}

TEST_F(Collect, TransportFailuresAreCodeMinusOne) {
  int closedPort;
  {
    testing::TestHttpServer gone;
    closedPort = gone.port();
  }
  auto r =
      run("          numQueries: 4\n          qps: 0\n          connections: 1\n"
          "          timeout: 100ms\n          versions:\n"
          "          - {name: v1, url: \"http://127.0.0.1:" +
          std::to_string(closedPort) +
          "/\"}\n"
          "          - {name: v2, url: \"" +
          server_.url("/slow?ms=400") + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = status();
  EXPECT_EQ(toJson(result(doc, "v1")["RetCodes"]), R"({"-1":4})");
  EXPECT_EQ(toJson(result(doc, "v2")["RetCodes"]), R"({"-1":4})");
  EXPECT_EQ(result(doc, "v2")["HTTPReqTimeOut"].GetInt64(), 100'000'000);
  // Why they failed, beside RetCodes, and in the end-of-run table.
  EXPECT_EQ(toJson(result(doc, "v1")["ErrorReasons"]), R"({"connection refused":4})");
  EXPECT_EQ(toJson(result(doc, "v2")["ErrorReasons"]), R"({"timeout":4})");
  EXPECT_THAT(r.err, HasSubstr("v1: 4, "));
  EXPECT_THAT(r.err, HasSubstr("no successful response, 100.00% errors (connection refused: 4;"));
  EXPECT_THAT(r.err, HasSubstr("ALL 4 requests to version v1 failed (connection refused: 4)"));
  EXPECT_THAT(r.err, HasSubstr("ALL 4 requests to version v2 failed (timeout: 4)"));
  // Failures are no latency sample of the version: the exact percentiles hold none.
  EXPECT_EQ(result(doc, "v1")["ExactPercentiles"]["Count"].GetInt(), 0);
}

// A load target answering with far more than is used (bodies are counted, never kept): the
// handler's memory stays within the bound of docs/robustness.md on both engines.
TEST_F(Collect, HugeAnswersOfATargetAreCountedNotKept) {
  for (const char* engine : {"fast", "curl"}) {
    SCOPED_TRACE(engine);
    auto r = run(std::string("          engine: ") + engine +
                 "\n          numQueries: 2\n          qps: 0\n          connections: 1\n"
                 "          timeout: 30s\n          versions:\n"
                 "          - {name: v1, url: \"" +
                 server_.url("/huge?mb=100") + "\"}");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    auto doc = status();
    EXPECT_EQ(toJson(result(doc, "v1")["RetCodes"]), R"({"200":2})");
    EXPECT_EQ(result(doc, "v1")["Sizes"]["Max"].GetDouble(), 100.0 * 1024 * 1024);
  }
  EXPECT_LT(test::largestChildRssKb(), 100 * 1024) << "kB: a response body was kept";
}

TEST_F(Collect, ResetsAndErrorStatusesAreNamedAndSuccessesMeasuredApart) {
  auto r =
      run("          numQueries: 6\n          qps: 0\n          connections: 1\n"
          "          versions:\n"
          "          - {name: v1, url: \"" +
          server_.url("/close") +
          "\"}\n"
          "          - {name: v2, url: \"" +
          server_.url("/status/500") + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = status();
  EXPECT_EQ(toJson(result(doc, "v1")["ErrorReasons"]), R"({"connection reset":6})");
  EXPECT_EQ(toJson(result(doc, "v2")["ErrorReasons"]), "{}");
  EXPECT_THAT(r.err, HasSubstr("100.00% errors (HTTP 500: 6;"));
}

TEST_F(Collect, HttpsToAPlainHttpServerIsATlsError) {
  std::string url = server_.url("/fast");
  url.replace(0, 4, "https");
  auto r =
      run("          numQueries: 2\n          qps: 0\n          connections: 1\n"
          "          versions:\n          - {name: v1, url: \"" +
          url + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(toJson(result(status(), "v1")["ErrorReasons"]), R"({"TLS":2})");
}

// `url: hello-candidate.default` (a service name, in two of the Iter8 project's experiments):
// as the original's Fortio, assume http:// with its warning (original-tasks.md 4.6).
TEST_F(Collect, AUrlWithoutSchemeIsAssumedHttpWithFortiosWarning) {
  std::string url = server_.url("/fast");
  url.erase(0, std::string("http://").size());
  auto r =
      run("          numQueries: 2\n          qps: 0\n          connections: 1\n"
          "          versions:\n          - {name: v1, url: \"" +
          url + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(result(status(), "v1")["DurationHistogram"]["Count"].GetInt(), 2);
  EXPECT_THAT(r.err, HasSubstr("action loop, task 0 (metrics/collect): input "
                               "'with.versions[0].url': Assuming http:// on missing scheme for '" +
                               url + "'"));
  auto ftp = run("          versions:\n          - {name: v1, url: \"ftp://" + url + "\"}");
  EXPECT_EQ(ftp.exitCode, 4) << ftp.err;
}

TEST_F(Collect, ErrorReasonsAddUpAcrossLoops) {
  int closedPort;
  {
    testing::TestHttpServer gone;
    closedPort = gone.port();
  }
  std::string with =
      "          numQueries: 3\n          qps: 0\n          connections: 1\n"
      "          versions:\n"
      "          - {name: v1, url: \"http://127.0.0.1:" +
      std::to_string(closedPort) + "/\"}";
  ASSERT_EQ(run(with).exitCode, 0);
  auto r = run(with, {}, true);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = status();
  EXPECT_EQ(toJson(result(doc, "v1")["ErrorReasons"]), R"({"connection refused":6})");
  EXPECT_EQ(toJson(result(doc, "v1")["RetCodes"]), R"({"-1":6})");
}

TEST_F(Collect, TimedRunsReportTheRateOverTheWholeTime) {
  // 4 requests due at 0, 0.5, 1 and 1.5 s of a 2 s run: 2 qps, as Fortio said, not 4 / 1.5 s.
  auto r =
      run("          time: 2s\n          qps: 2\n          versions:\n"
          "          - {name: v1, url: \"" +
          server_.url("/fast") + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = status();
  const auto& v1 = result(doc, "v1");
  EXPECT_EQ(v1["DurationHistogram"]["Count"].GetInt(), 4);
  EXPECT_NEAR(v1["ActualQPS"].GetDouble(), 2, 0.05);
  EXPECT_GE(v1["ActualDuration"].GetInt64(), 2'000'000'000);
  EXPECT_THAT(r.err, HasSubstr("v1: 4, 2.00 qps, "));
}

TEST_F(Collect, PseudoVersionsAreCollectedWithOneWarning) {
  auto r =
      run("          numQueries: 2\n          versions:\n"
          "          - {name: load-only, url: \"" +
          server_.url("/fast") + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = status();
  EXPECT_EQ(result(doc, "load-only")["DurationHistogram"]["Count"].GetInt(), 2);
  const std::string warning =
      "input 'with.versions[0].name' is \"load-only\", which is not a version of "
      "spec.versionInfo (v1, v2); it is collected as a pseudo version";
  // Once as it happens, once more in the closing summary of warnings.
  const size_t first = r.err.find(warning);
  ASSERT_NE(first, std::string::npos) << r.err;
  const size_t second = r.err.find(warning, first + 1);
  ASSERT_NE(second, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(warning, second + 1), std::string::npos) << "warned more than once:\n"
                                                                << r.err;
  EXPECT_THAT(r.err.substr(0, second), ::testing::EndsWith("1 warning: action loop, task 0 "
                                                           "(metrics/collect): "));
}

TEST_F(Collect, WithoutVersionInfoEveryVersionIsPseudoWithOneExplanation) {
  std::string text = experiment(
      "          numQueries: 1\n          versions:\n"
      "          - {name: a, url: \"" +
      server_.url("/fast") + "\"}");
  text = text.substr(0, text.find("  versionInfo:"));
  path_ = dir_.write("experiment.yaml", text);
  auto r = run("", {}, true);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the experiment has no spec.versionInfo (baseline and candidates), "
                               "so every version is collected as a pseudo version"));
  EXPECT_THAT(r.err, Not(HasSubstr("it is collected as a pseudo version")));
  EXPECT_EQ(result(status(), "a")["DurationHistogram"]["Count"].GetInt(), 1);
}

TEST_F(Collect, CancelledBeforeTheFirstResponseWritesAnEmptyResult) {
  ProcessOptions options;
  options.terminateAfter = std::chrono::milliseconds(700);
  auto r =
      run("          time: 30s\n          qps: 4\n          versions:\n"
          "          - {name: v1, url: \"" +
              server_.url("/slow?ms=2500") + "\"}",
          options);
  EXPECT_EQ(r.exitCode, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("v1: 0 (interrupted before the first response)"));
  auto doc = status();
  const auto& v1 = result(doc, "v1");
  EXPECT_TRUE(v1["Interrupted"].GetBool());
  EXPECT_EQ(v1["DurationHistogram"]["Count"].GetInt(), 0);
}

TEST_F(Collect, SendsHeadersAndPayloadByteForByte) {
  auto r =
      run("          numQueries: 3\n          payloadStr: \"a=1&b=2+3 \\u00e9\"\n"
          "          contentType: application/x-www-form-urlencoded\n          versions:\n"
          "          - name: v1\n            url: \"" +
          server_.url("/echo") +
          "\"\n"
          "            headers: {X-Tenant: blue, Authorization: \"Bearer t0k\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto echo = server_.lastEcho();
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(echo->method, "POST");
  EXPECT_EQ(echo->body, "a=1&b=2+3 \xC3\xA9");
  auto header = [&](const std::string& name) {
    for (const auto& [k, v] : echo->headers) {
      if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
    }
    return std::string("<absent>");
  };
  EXPECT_EQ(header("X-Tenant"), "blue");
  EXPECT_EQ(header("Authorization"), "Bearer t0k");
  EXPECT_EQ(header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header("Expect"), "<absent>");
}

TEST_F(Collect, PayloadUrlIsFetchedOnceAndFailuresStopBeforeLoad) {
  auto ok = run("          numQueries: 2\n          payloadURL: \"" + server_.url("/fast") +
                "\"\n"
                "          versions:\n          - {name: v1, url: \"" +
                server_.url("/echo") + "\"}");
  ASSERT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_EQ(server_.lastEcho()->body, "ok");
  EXPECT_EQ(server_.lastEcho()->method, "POST");

  uint64_t before = server_.requestCount();
  auto bad = run("          numQueries: 2\n          payloadURL: \"" + server_.url("/status/404") +
                 "\"\n"
                 "          versions:\n          - {name: v1, url: \"" +
                 server_.url("/fast") + "\"}");
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_THAT(terminationLog(), HasSubstr("input 'with.payloadURL'"));
  EXPECT_THAT(terminationLog(), HasSubstr("HTTP 404"));
  EXPECT_EQ(server_.requestCount(), before + 1) << "only the payload fetch may reach the server";
}

TEST_F(Collect, LaterRunsMergeIntoEarlierResults) {
  std::string with =
      "          numQueries: 10\n          versions:\n"
      "          - {name: v1, url: \"" +
      server_.url("/fast") + "\"}";
  ASSERT_EQ(run(with).exitCode, 0);
  auto first = status();
  double firstSum = result(first, "v1")["DurationHistogram"]["Sum"].GetDouble();
  auto second = run(with, {}, true);
  ASSERT_EQ(second.exitCode, 0) << second.err;
  auto doc = status();
  const auto& v1 = result(doc, "v1");
  EXPECT_EQ(v1["DurationHistogram"]["Count"].GetInt(), 20);
  EXPECT_GT(v1["DurationHistogram"]["Sum"].GetDouble(), firstSum);
  EXPECT_EQ(toJson(v1["RetCodes"]), R"({"200":20})");
  EXPECT_EQ(v1["Runs"].GetInt(), 2);
  int64_t buckets = 0;
  for (const auto& b : v1["DurationHistogram"]["Data"].GetArray()) buckets += b["Count"].GetInt64();
  EXPECT_EQ(buckets, 20) << "buckets must add up, not be appended";
}

TEST_F(Collect, TheLatencySketchCoversEveryRunWhileExactPercentilesCoverTheLast) {
  std::string with =
      "          numQueries: 10\n          versions:\n"
      "          - {name: v1, url: \"" +
      server_.url("/fast") + "\"}";
  ASSERT_EQ(run(with).exitCode, 0);
  auto second = run(with, {}, true);
  ASSERT_EQ(second.exitCode, 0) << second.err;
  auto doc = status();
  const auto& v1 = result(doc, "v1");
  EXPECT_EQ(v1["LatencySketch"]["Count"].GetInt(), 20);
  EXPECT_EQ(v1["SketchRuns"].GetInt(), 2);
  EXPECT_EQ(v1["ExactPercentiles"]["Count"].GetInt(), 10) << "this run's only";
  int64_t inBuckets = 0;
  for (const auto& b : v1["LatencySketch"]["Buckets"].GetArray()) inBuckets += b[1].GetInt64();
  EXPECT_EQ(inBuckets + v1["LatencySketch"]["Underflow"].GetInt64() +
                v1["LatencySketch"]["Overflow"].GetInt64(),
            20);
  EXPECT_THAT(second.err, HasSubstr("version (this run): requests"));
}

TEST_F(Collect, AResultFromBeforeTheSketchStartsItAtTheNextRun) {
  path_ = dir_.write(
      "experiment.yaml",
      experiment("          numQueries: 5\n          versions:\n"
                 "          - {name: v1, url: \"" +
                 server_.url("/fast") + "\"}") +
          "status:\n  analysis:\n    aggregatedBuiltinHists:\n      data:\n"
          "        v1: {DurationHistogram: {Count: 3, Min: 0.001, Max: 0.002, Sum: 0.0045,"
          " Avg: 0.0015, StdDev: 0, Data: [{Start: 0.001, End: 0.002, Percent: 100,"
          " Count: 3}]}, RetCodes: {\"200\": 3}, ActualDuration: 1000000,"
          " ActualQPS: 3, StartTime: \"2026-01-01T00:00:00Z\", SocketCount: 1,"
          " Runs: 4}\n");
  auto r = run("", {}, true);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("cannot be merged")));
  auto doc = status();
  const auto& v1 = result(doc, "v1");
  EXPECT_EQ(v1["DurationHistogram"]["Count"].GetInt(), 8);
  EXPECT_EQ(v1["Runs"].GetInt(), 5);
  EXPECT_EQ(v1["LatencySketch"]["Count"].GetInt(), 5) << "only the runs that recorded one";
  EXPECT_EQ(v1["SketchRuns"].GetInt(), 1);
}

TEST_F(Collect, AMalformedEarlierSketchIsReplacedWhole) {
  path_ = dir_.write("experiment.yaml",
                     experiment("          numQueries: 5\n          versions:\n"
                                "          - {name: v1, url: \"" +
                                server_.url("/fast") + "\"}") +
                         "status:\n  analysis:\n    aggregatedBuiltinHists:\n      data:\n"
                         "        v1: {LatencySketch: {Count: -1}, SketchRuns: 3, Runs: 3}\n");
  auto r = run("", {}, true);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("LatencySketch"));
  auto doc = status();
  EXPECT_EQ(result(doc, "v1")["LatencySketch"]["Count"].GetInt(), 5);
  EXPECT_EQ(result(doc, "v1")["SketchRuns"].GetInt(), 1);
}

TEST_F(Collect, AMalformedEarlierResultIsReplacedWhole) {
  path_ =
      dir_.write("experiment.yaml",
                 experiment("          numQueries: 5\n          versions:\n"
                            "          - {name: v1, url: \"" +
                            server_.url("/fast") + "\"}") +
                     "status:\n  analysis:\n    aggregatedBuiltinHists:\n      data:\n"
                     "        v1: {DurationHistogram: {Count: 80, Sum: 1.5, Max: 0.1, Data: []},"
                     " RetCodes: {\"200\": 80}, Runs: 7}\n");
  auto r = run("", {}, true);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot be merged"));
  auto doc = status();
  const auto& v1 = result(doc, "v1");
  EXPECT_EQ(v1["DurationHistogram"]["Count"].GetInt(), 5);
  EXPECT_EQ(toJson(v1["RetCodes"]), R"({"200":5})");
  EXPECT_EQ(v1["Runs"].GetInt(), 1);
}

// More connections than the process may open files: a limit of the handler's, said before the
// load, never recorded as the target's errors; a soft limit below the hard one is raised.
TEST_F(Collect, TooFewFileDescriptorsFailBeforeTheLoadOrAreRaised) {
  path_ = dir_.write(
      "experiment.yaml",
      experiment("          numQueries: 100\n          qps: 0\n          connections: 40\n"
                 "          versions:\n          - {name: v1, url: \"" +
                 server_.url("/fast") + "\"}"));
  auto underLimit = [&](const std::string& ulimit) {
    std::string command = ulimit + " && exec";
    for (const auto& arg : std::vector<std::string>{
             test::handlerPath(), "run", "-a", "loop", "-f", path_, "--plugins-dir",
             test::shippedPluginDir(), "--termination-log", dir_.file("termination-log")})
      command += " '" + arg + "'";
    return test::runProcess({"bash", "-c", command});
  };
  auto hard = underLimit("ulimit -n 32");
  EXPECT_EQ(hard.exitCode, 1) << hard.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("(metrics/collect): too many open files: 40 connections need about "));
  EXPECT_THAT(terminationLog(), HasSubstr("the limit is 32 (ulimit -n)"));
  EXPECT_EQ(server_.requestCount(), 0u) << "nothing may be sent";
  EXPECT_FALSE(status().HasMember("status"));

  auto soft = underLimit("ulimit -S -n 32");
  EXPECT_EQ(soft.exitCode, 0) << soft.err;
  EXPECT_EQ(toJson(result(status(), "v1")["RetCodes"]), R"({"200":100})");
}

// A JSON experiment keeps every byte outside the status: a big integer in the spec stays as
// written (it came back as 1.2345678901234568e+22 when the whole file was re-serialised).
TEST_F(Collect, AJsonExperimentKeepsItsSpecByteForByte) {
  rapidjson::Document doc =
      parseYaml(experiment("          numQueries: 3\n          qps: 0\n          versions:\n"
                           "          - {name: v1, url: \"" +
                           server_.url("/fast") + "\"}"));
  std::string text = toPrettyJson(doc);
  const std::string marker = "\"apiVersion\"";
  text.insert(text.find(marker), "\"x-big\": 12345678901234567890123,\n  ");
  path_ = dir_.write("experiment.json", text + "\n");
  auto r = run("", {}, true);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string written = readFile(path_);
  EXPECT_EQ(written.substr(0, text.size() - 2), text.substr(0, text.size() - 2))
      << "the text before the status is unchanged";
  EXPECT_NE(written.find("12345678901234567890123"), std::string::npos);
  EXPECT_EQ(parseJson(written)["status"]["analysis"]["aggregatedBuiltinHists"]["data"]["v1"]
                              ["DurationHistogram"]["Count"]
                                  .GetInt(),
            3);
}

TEST_F(Collect, LoadOnlyLeavesTheStatusUntouched) {
  auto r =
      run("          numQueries: 5\n          loadOnly: true\n          versions:\n"
          "          - {name: v1, url: \"" +
          server_.url("/fast") + "\"}");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(readFile(path_), experiment("          numQueries: 5\n          loadOnly: true\n"
                                        "          versions:\n          - {name: v1, url: \"" +
                                        server_.url("/fast") + "\"}"));
  EXPECT_GE(server_.requestCount(), 5u);
}

TEST_F(Collect, CancellationKeepsPartialResults) {
  ProcessOptions options;
  options.terminateAfter = std::chrono::milliseconds(1500);
  auto start = std::chrono::steady_clock::now();
  auto r =
      run("          time: 30s\n          qps: 40\n          versions:\n"
          "          - {name: v1, url: \"" +
              server_.url("/fast") + "\"}",
          options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(r.exitCode, 5) << r.err;
  auto doc = status();
  const auto& v1 = result(doc, "v1");
  EXPECT_TRUE(v1["Interrupted"].GetBool());
  EXPECT_THAT(v1["RequestedDuration"].GetString(), StartsWith("30s, interrupted after "));
  EXPECT_GT(v1["DurationHistogram"]["Count"].GetInt(), 20);
  ASSERT_EQ(v1["Interruptions"].Size(), 1u);
  const auto& stop = v1["Interruptions"][0];
  EXPECT_EQ(stop["Run"].GetInt(), 1);
  EXPECT_EQ(stop["PlannedNs"].GetInt64(), 30'000'000'000);
  EXPECT_GT(stop["AfterNs"].GetInt64(), 500'000'000);
  EXPECT_LT(stop["AfterNs"].GetInt64(), 5'000'000'000);
  EXPECT_EQ(stop["Requests"].GetInt(), v1["DurationHistogram"]["Count"].GetInt());

  // A second run, stopped too, keeps the first one's record: one entry per interrupted run.
  auto second = run("", options, true);
  ASSERT_EQ(second.exitCode, 5) << second.err;
  auto merged = status();
  const auto& both = result(merged, "v1")["Interruptions"];
  ASSERT_EQ(both.Size(), 2u);
  EXPECT_EQ(both[0]["Run"].GetInt(), 1);
  EXPECT_EQ(both[1]["Run"].GetInt(), 2);
}

struct BadInput {
  std::string with;
  std::string message;
};

TEST_F(Collect, BadInputsAreRejectedNamingTheField) {
  std::string url = server_.url("/fast");
  std::vector<BadInput> cases = {
      {"          qps: 8", "input 'with.versions' is required; expected array"},
      {"          versions: []",
       "input 'with.versions' is an array []; expected at least 1 item(s)"},
      {"          versions:\n          - {name: v1, url: \"ftp://host/x\"}",
       "input 'with.versions[0].url' is \"ftp://host/x\"; expected an http:// or https:// URL"},
      {"          time: 5 seconds\n          versions:\n          - {name: v1, url: \"" + url +
           "\"}",
       "input 'with.time' is \"5 seconds\"; expected a positive Go duration"},
      {"          qps: -1\n          versions:\n          - {name: v1, url: \"" + url + "\"}",
       "input 'with.qps' is a number -1; expected a number >= 0"},
      {"          connections: many\n          versions:\n          - {name: v1, url: \"" + url +
           "\"}",
       "input 'with.connections' is a string \"many\"; expected integer"},
      {"          versions:\n          - {name: v1, url: \"" + url +
           "\"}\n          - {name: v1, url: \"" + url + "\"}",
       "input 'with.versions[1].name': version \"v1\" is listed twice"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.with);
    auto r = run(c.with);
    EXPECT_EQ(r.exitCode, 4) << r.err;
    EXPECT_THAT(terminationLog(), HasSubstr("action loop, task 0 (metrics/collect): " + c.message));
  }
  EXPECT_EQ(server_.requestCount(), 0u) << "no load may be sent when an input is bad";
}

}  // namespace
}  // namespace iter8
