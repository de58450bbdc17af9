// The load generator against a real HTTP server on loopback; no mocks. Each test takes at most
// about two seconds, and runs once per engine (Curl, Fast): what a user sees must not depend on
// which engine sent the requests.
#include "plugins/metrics/loadgen/load_generator.h"

#include <algorithm>
#include <atomic>
#include <ostream>
#include <stdexcept>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/scripted_http_server.h"
#include "tests/support/test_http_server.h"

namespace iter8::metrics {

// gtest (and so ctest's test list) shows the engine as "curl" or "fast", not as bytes.
[[maybe_unused]] static void PrintTo(LoadEngine engine, std::ostream* out) {
  *out << loadEngineName(engine);
}

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using iter8::testing::RefusingLoopbackPort;
using iter8::testing::TestHttpServer;

// Keeps every sample with the time it arrived (tests are short; the generator itself keeps none).
class RecordingObserver : public SampleObserver {
 public:
  void onSample(const Sample& sample) override {
    samples.push_back(sample);
    arrivals.push_back(Clock::now());
  }
  std::vector<Sample> samples;
  std::vector<Clock::time_point> arrivals;
};

const std::function<bool()> kNeverCancelled = [] { return false; };

double seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

class LoadGenerator : public ::testing::TestWithParam<LoadEngine> {
 protected:
  // A load on the engine under test.
  LoadSpec spec(const std::string& url, double qps, int connections) const {
    LoadSpec result;
    result.url = url;
    result.qps = qps;
    result.connections = connections;
    result.engine = GetParam();
    return result;
  }
};

TEST_P(LoadGenerator, SendsExactlyNumQueriesPlusOneWarmUpPerConnection) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec load = spec(server.url("/fast"), 100, 3);
  load.numQueries = 25;
  LoadResult result = runLoad(load, observer, kNeverCancelled);
  EXPECT_EQ(result.requests, 25u);
  ASSERT_EQ(observer.samples.size(), 25u);
  EXPECT_EQ(server.requestCount(), 25u + 3u);
  EXPECT_EQ(result.socketCount, 3);  // warm-up opened them, the load reused them
  EXPECT_FALSE(result.interrupted);
  EXPECT_STREQ(loadEngineName(result.engine), loadEngineName(GetParam()));
  for (const Sample& sample : observer.samples) {
    EXPECT_EQ(sample.code, 200);
    EXPECT_EQ(sample.responseBytes, 2u);  // "ok"
    EXPECT_GT(sample.latencySeconds, 0.0);
    EXPECT_GE(sample.correctedLatencySeconds, sample.latencySeconds);
  }
}

TEST_P(LoadGenerator, HoldsTheRequestedRate) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec load = spec(server.url("/fast"), 200, 4);
  load.duration = 2s;
  LoadResult result = runLoad(load, observer, kNeverCancelled);
  EXPECT_EQ(result.requests, 400u);
  double achieved = static_cast<double>(result.requests) / seconds(result.actualDuration);
  EXPECT_NEAR(achieved / 200.0, 1.0, 0.03);
  // How many sends are a little late depends on how busy the machine is; the pacing and
  // catch-up rules themselves are checked exactly, without a clock, in send_schedule_test.
  EXPECT_LT(result.maxLag, 100ms);
  EXPECT_EQ(result.unsent, 0u);
}

TEST_P(LoadGenerator, RunsAsFastAsPossibleWhenQpsIsZero) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec load = spec(server.url("/fast"), 0, 2);
  load.duration = 500ms;
  LoadResult result = runLoad(load, observer, kNeverCancelled);
  EXPECT_GT(result.requests, 200u);  // loopback does thousands per second
  EXPECT_EQ(result.lateSends, 0u);
  EXPECT_NEAR(seconds(result.actualDuration), 0.5, 0.1);
  for (const Sample& sample : observer.samples)
    EXPECT_DOUBLE_EQ(sample.correctedLatencySeconds, sample.latencySeconds);
}

TEST_P(LoadGenerator, RecordsHttpStatusCodes) {
  TestHttpServer server;
  for (int status : {200, 503}) {
    RecordingObserver observer;
    LoadSpec load = spec(server.url("/status/" + std::to_string(status)), 0, 2);
    load.numQueries = 6;
    runLoad(load, observer, kNeverCancelled);
    ASSERT_EQ(observer.samples.size(), 6u);
    for (const Sample& sample : observer.samples) EXPECT_EQ(sample.code, status);
  }
}

TEST_P(LoadGenerator, RecordsRefusedConnectionsAsTransportFailures) {
  RefusingLoopbackPort port;
  RecordingObserver observer;
  LoadSpec load = spec(port.url("/fast"), 100, 2);
  load.numQueries = 5;
  LoadResult result = runLoad(load, observer, kNeverCancelled);
  EXPECT_EQ(result.requests, 5u);
  ASSERT_EQ(observer.samples.size(), 5u);
  for (const Sample& sample : observer.samples) EXPECT_EQ(sample.code, -1);
}

TEST_P(LoadGenerator, RecordsTimeoutsAsTransportFailures) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec load = spec(server.url("/slow?ms=400"), 0, 2);
  load.numQueries = 2;
  load.timeout = 100ms;
  runLoad(load, observer, kNeverCancelled);
  ASSERT_EQ(observer.samples.size(), 2u);
  for (const Sample& sample : observer.samples) {
    EXPECT_EQ(sample.code, -1);
    EXPECT_NEAR(sample.latencySeconds, 0.1, 0.05);
  }
}

TEST_P(LoadGenerator, AStuckRequestTimesOutWhileTheOtherConnectionCarriesOn) {
  TestHttpServer server;
  RecordingObserver observer;
  // Requests 1, 2001 and 4001 (the first is a warm-up) take 1 s against a 300 ms timeout; the
  // other connection meanwhile completes hundreds of requests, whose timeouts all end first.
  LoadSpec load = spec(server.url("/sometimes-slow?every=2000&ms=1000"), 0, 2);
  load.numQueries = 4000;
  load.timeout = 300ms;
  LoadResult result = runLoad(load, observer, kNeverCancelled);
  ASSERT_EQ(result.requests, 4000u);
  std::vector<const Sample*> failed;
  for (const Sample& sample : observer.samples) {
    if (sample.code != 200) failed.push_back(&sample);
  }
  ASSERT_EQ(failed.size(), 2u);
  for (const Sample* sample : failed) {
    EXPECT_EQ(sample->code, -1);
    EXPECT_EQ(sample->error, TransportError::kTimeout);
    EXPECT_NEAR(sample->latencySeconds, 0.3, 0.1);
  }
}

TEST_P(LoadGenerator, RecordsDroppedConnectionsAsTransportFailures) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec load = spec(server.url("/close"), 0, 1);
  load.numQueries = 3;
  LoadResult result = runLoad(load, observer, kNeverCancelled);
  ASSERT_EQ(observer.samples.size(), 3u);
  for (const Sample& sample : observer.samples) EXPECT_EQ(sample.code, -1);
  EXPECT_EQ(result.socketCount, 4);  // every request needed a new connection
}

TEST_P(LoadGenerator, SendsHeadersAndPostBodyByteForByte) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec load = spec(server.url("/echo"), 0, 1);
  load.numQueries = 1;
  load.headers = {"X-Iter8-Trace: a  b\tc;=\"q\"", "Authorization: Bearer t0ken"};
  load.body = std::string("{\"k\": 1}\r\n\0binary\xff", 19);
  load.contentType = "application/json";
  runLoad(load, observer, kNeverCancelled);
  std::optional<iter8::testing::RecordedRequest> echo = server.lastEcho();
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(echo->method, "POST");
  EXPECT_EQ(echo->body, load.body);
  using ::testing::Contains;
  using ::testing::Key;
  using ::testing::Not;
  using ::testing::Pair;
  EXPECT_THAT(echo->headers, Contains(Pair("X-Iter8-Trace", "a  b\tc;=\"q\"")));
  EXPECT_THAT(echo->headers, Contains(Pair("Authorization", "Bearer t0ken")));
  EXPECT_THAT(echo->headers, Contains(Pair("Content-Type", "application/json")));
  EXPECT_THAT(echo->headers, Contains(Pair("Content-Length", "19")));
  EXPECT_THAT(echo->headers, Not(Contains(Key("Expect"))));
  ASSERT_EQ(observer.samples.size(), 1u);
  EXPECT_EQ(observer.samples[0].code, 200);
  EXPECT_GT(observer.samples[0].responseBytes, load.body.size());
}

TEST_P(LoadGenerator, PostsOctetStreamByDefaultAndGetsWithoutBody) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec post = spec(server.url("/echo"), 0, 1);
  post.numQueries = 1;
  post.body = "payload";
  runLoad(post, observer, kNeverCancelled);
  ASSERT_TRUE(server.lastEcho().has_value());
  EXPECT_THAT(server.lastEcho()->headers,
              ::testing::Contains(::testing::Pair("Content-Type", "application/octet-stream")));
  LoadSpec get = spec(server.url("/echo"), 0, 1);
  get.numQueries = 1;
  runLoad(get, observer, kNeverCancelled);
  EXPECT_EQ(server.lastEcho()->method, "GET");
  EXPECT_EQ(server.lastEcho()->body, "");
}

TEST_P(LoadGenerator, OneSlowConnectionDoesNotLowerTheOfferedRate) {
  TestHttpServer server;
  RecordingObserver observer;
  // Every 10th request holds its connection for 300 ms; the other connections carry on.
  LoadSpec load = spec(server.url("/sometimes-slow?every=10&ms=300"), 100, 8);
  load.duration = 1500ms;
  LoadResult result = runLoad(load, observer, kNeverCancelled);
  EXPECT_EQ(result.requests, 150u);
  // Were sends tied to their connection, the schedule would slip by up to 300 ms each time.
  EXPECT_LT(result.maxLag, 100ms);
  EXPECT_EQ(result.unsent, 0u);
  int slow = 0;
  double latencySum = 0, correctedSum = 0;
  for (const Sample& sample : observer.samples) {
    EXPECT_GE(sample.correctedLatencySeconds, sample.latencySeconds);
    if (sample.latencySeconds >= 0.3) ++slow;
    latencySum += sample.latencySeconds;
    correctedSum += sample.correctedLatencySeconds;
  }
  EXPECT_GT(correctedSum, latencySum);  // every send leaves a little after its due time
  EXPECT_GE(slow, 13);                  // 15 slow ones, minus the warm-up that may have taken one
}

TEST_P(LoadGenerator, CorrectsLatencyAndCatchesUpAtMostTwiceTheRateWhenBlocked) {
  TestHttpServer server;
  RecordingObserver observer;
  // One connection; the 1st and 26th requests (the 1st is the warm-up) block it for 200 ms,
  // so about ten requests go out late.
  LoadSpec load = spec(server.url("/sometimes-slow?every=25&ms=200"), 50, 1);
  load.numQueries = 50;
  LoadResult result = runLoad(load, observer, kNeverCancelled);
  ASSERT_EQ(observer.samples.size(), 50u);
  EXPECT_GE(result.lateSends, 5u);
  EXPECT_GE(seconds(result.maxLag), 0.15);
  double worstCorrection = 0;
  for (const Sample& sample : observer.samples)
    worstCorrection =
        std::max(worstCorrection, sample.correctedLatencySeconds - sample.latencySeconds);
  EXPECT_GE(worstCorrection, 0.15);
  // Catch-up runs at <= 100 qps (2 x 50) with a burst of two: at most 12 in any 100 ms.
  for (size_t i = 0; i < observer.arrivals.size(); ++i) {
    auto inWindow =
        std::count_if(observer.arrivals.begin() + static_cast<long>(i), observer.arrivals.end(),
                      [&](Clock::time_point t) { return t < observer.arrivals[i] + 100ms; });
    EXPECT_LE(inWindow, 12) << "burst after sample " << i;
  }
}

TEST_P(LoadGenerator, TimeoutStartsAtTheSendNotAtTheDueTime) {
  TestHttpServer server;
  RecordingObserver observer;
  // One connection, 150 ms per response, one due every 50 ms: requests wait up to 400 ms for
  // the connection. Were that wait counted (for libcurl: were the requests queued inside it),
  // it would exceed the 250 ms timeout.
  LoadSpec load = spec(server.url("/slow?ms=150"), 20, 1);
  load.numQueries = 5;
  load.timeout = 250ms;
  runLoad(load, observer, kNeverCancelled);
  ASSERT_EQ(observer.samples.size(), 5u);
  for (const Sample& sample : observer.samples) EXPECT_EQ(sample.code, 200);
  EXPECT_GT(observer.samples.back().correctedLatencySeconds, 0.3);
}

TEST_P(LoadGenerator, StopsSoonAfterCancellationAndKeepsSamples) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec load = spec(server.url("/fast"), 50, 2);
  load.duration = 10s;
  Clock::time_point begin = Clock::now();
  std::function<bool()> cancelled = [&] { return Clock::now() - begin > 500ms; };
  LoadResult result = runLoad(load, observer, cancelled);
  auto took = Clock::now() - begin;
  EXPECT_LT(took, 1500ms);
  EXPECT_TRUE(result.interrupted);
  EXPECT_GT(observer.samples.size(), 10u);
  EXPECT_EQ(result.requests, observer.samples.size());
}

TEST_P(LoadGenerator, ReportsProgressAboutEverySecond) {
  TestHttpServer server;
  RecordingObserver observer;
  LoadSpec load = spec(server.url("/fast"), 20, 1);
  load.duration = 2200ms;
  std::vector<Progress> reports;
  runLoad(load, observer, kNeverCancelled, [&](const Progress& p) { reports.push_back(p); });
  ASSERT_GE(reports.size(), 2u);
  EXPECT_NEAR(seconds(reports[0].elapsed), 1.0, 0.1);
  EXPECT_NEAR(static_cast<double>(reports[0].sent), 20.0, 2.0);
  EXPECT_EQ(reports.back().completed, 44u);
  EXPECT_EQ(reports.back().errors, 0u);
}

TEST_P(LoadGenerator, RejectsBadUrlsBeforeSendingAnything) {
  TestHttpServer server;
  RecordingObserver observer;
  std::string hostPort = "127.0.0.1:" + std::to_string(server.port());
  for (const std::string& url : {std::string("not a url"), "ftp://" + hostPort + "/fast",
                                 std::string("http://[::1/x"), std::string("")}) {
    EXPECT_THROW(runLoad(spec(url, 10, 1), observer, kNeverCancelled), std::invalid_argument)
        << url;
  }
  LoadSpec badHeader = spec(server.url("/fast"), 10, 1);
  badHeader.headers = {"NoColonHere"};
  EXPECT_THROW(runLoad(badHeader, observer, kNeverCancelled), std::invalid_argument);
  EXPECT_EQ(server.requestCount(), 0u);
  EXPECT_TRUE(observer.samples.empty());
}

TEST_P(LoadGenerator, RunsLoadsOnParallelThreads) {
  TestHttpServer server;
  std::vector<RecordingObserver> observers(3);
  std::vector<std::thread> threads;
  for (RecordingObserver& observer : observers) {
    threads.emplace_back([&] {
      LoadSpec load = spec(server.url("/fast"), 0, 2);
      load.numQueries = 50;
      runLoad(load, observer, kNeverCancelled);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const RecordingObserver& observer : observers) EXPECT_EQ(observer.samples.size(), 50u);
  EXPECT_EQ(server.requestCount(), 3u * (50u + 2u));
}

INSTANTIATE_TEST_SUITE_P(Engine, LoadGenerator,
                         ::testing::Values(LoadEngine::kCurl, LoadEngine::kFast),
                         [](const ::testing::TestParamInfo<LoadEngine>& param) {
                           return param.param == LoadEngine::kCurl ? "Curl" : "Fast";
                         });

}  // namespace
}  // namespace iter8::metrics
