// Which engine runs a load: kAuto takes the fast engine where the URL allows it (plain http://,
// no credentials, no proxy that applies) and libcurl elsewhere; kFast refuses, before sending
// anything, what it cannot serve.
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/metrics/loadgen/http_target.h"
#include "tests/load_engine_runs.h"
#include "tests/support/scripted_http_server.h"

namespace iter8::metrics {
namespace {

using namespace std::chrono_literals;
using iter8::testing::RefusingLoopbackPort;
using iter8::testing::ScriptedHttpServer;

class KeepNothing : public SampleObserver {
 public:
  void onSample(const Sample& /*sample*/) override {}
};

LoadSpec smallLoad(const std::string& url) {
  LoadSpec spec;
  spec.url = url;
  spec.qps = 0;
  spec.connections = 1;
  spec.numQueries = 3;
  spec.timeout = 1s;
  return spec;
}

TEST(LoadEngineChoice, AutoPicksTheFastEngineForPlainHttp) {
  ScriptedHttpServer server;
  EngineRun run = runOn(LoadEngine::kAuto, smallLoad(server.url("/length?size=3")), &server);
  EXPECT_STREQ(loadEngineName(run.result.engine), "fast");
  ASSERT_EQ(run.samples.size(), 3u);
  for (const Sample& sample : run.samples) EXPECT_EQ(sample.code, 200);
}

TEST(LoadEngineChoice, AutoPicksLibcurlForHttps) {
  // Nothing listens there: the point is which engine tried (and that it got as far as
  // connecting, which the fast engine could not have done for https).
  RefusingLoopbackPort port;
  std::string url = "https://127.0.0.1:" + std::to_string(port.port()) + "/";
  EngineRun run = runOn(LoadEngine::kAuto, smallLoad(url), nullptr);
  EXPECT_STREQ(loadEngineName(run.result.engine), "curl");
  ASSERT_EQ(run.samples.size(), 3u);
  for (const Sample& sample : run.samples)
    EXPECT_EQ(sample.error, TransportError::kConnectionRefused);
}

TEST(LoadEngineChoice, NamesWhyTheFastEngineCannotServeAUrl) {
  EXPECT_EQ(fastEngineRefusal("http://127.0.0.1:8080/x?y=1"), "");
  EXPECT_EQ(fastEngineRefusal("HTTP://example.test/"), "");
  EXPECT_NE(fastEngineRefusal("https://127.0.0.1:8443/").find("https"), std::string::npos);
  EXPECT_NE(fastEngineRefusal("http://user:secret@127.0.0.1/").find("user name or password"),
            std::string::npos);
  EXPECT_THROW(fastEngineRefusal("http://[::1/x"), std::invalid_argument);
}

TEST(LoadEngineChoice, FastRefusesWhatItCannotServeBeforeSendingAnything) {
  ScriptedHttpServer server;
  std::string hostPort = "127.0.0.1:" + std::to_string(server.port());
  for (const std::string& url :
       {"https://" + hostPort + "/length?size=3", "http://user:pw@" + hostPort + "/length"}) {
    LoadSpec spec = smallLoad(url);
    spec.engine = LoadEngine::kFast;
    spec.timeout = 300ms;  // should the engine try anyway, the test still ends soon
    KeepNothing observer;
    EXPECT_THROW(runLoad(spec, observer, [] { return false; }), std::invalid_argument) << url;
  }
  EXPECT_EQ(server.connectionCount(), 0u);
}

// http_proxy makes libcurl send through the proxy, which the fast engine cannot: kAuto must
// pick libcurl, and the requests must reach the proxy, not the target.
TEST(LoadEngineChoice, AutoPicksLibcurlWhenAProxyApplies) {
  ScriptedHttpServer target;
  ScriptedHttpServer proxy;
  ScopedEnvironment environment;
  environment.set("http_proxy", proxy.url("").c_str());
  EngineRun run = runOn(LoadEngine::kAuto, smallLoad(target.url("/length?size=3")), &target);
  EXPECT_STREQ(loadEngineName(run.result.engine), "curl");
  ASSERT_EQ(run.samples.size(), 3u);
  for (const Sample& sample : run.samples) EXPECT_EQ(sample.code, 200);
  EXPECT_EQ(target.requestCount(), 0u);
  ASSERT_EQ(proxy.requestCount(), 4u);  // three and the warm-up
  // The absolute form of the request target is what a proxy gets.
  EXPECT_THAT(proxy.requests().front(),
              ::testing::StartsWith("GET " + target.url("/length?size=3") + " HTTP/1.1\r\n"));
}

TEST(LoadEngineChoice, AutoPicksTheFastEngineWhenNoProxyExemptsTheHost) {
  ScriptedHttpServer target;
  ScriptedHttpServer proxy;
  ScopedEnvironment environment;
  environment.set("http_proxy", proxy.url("").c_str());
  environment.set("no_proxy", "example.test,127.0.0.1");
  EngineRun run = runOn(LoadEngine::kAuto, smallLoad(target.url("/length?size=3")), &target);
  EXPECT_STREQ(loadEngineName(run.result.engine), "fast");
  ASSERT_EQ(run.samples.size(), 3u);
  for (const Sample& sample : run.samples) EXPECT_EQ(sample.code, 200);
  EXPECT_EQ(target.requestCount(), 4u);
  EXPECT_EQ(proxy.requestCount(), 0u);
}

TEST(LoadEngineChoice, FastRefusesWhenAProxyApplies) {
  ScriptedHttpServer target;
  ScriptedHttpServer proxy;
  ScopedEnvironment environment;
  environment.set("all_proxy", proxy.url("").c_str());
  EXPECT_NE(fastEngineRefusal(target.url("/")).find("proxy"), std::string::npos);
  LoadSpec spec = smallLoad(target.url("/length?size=3"));
  spec.engine = LoadEngine::kFast;
  KeepNothing observer;
  EXPECT_THROW(runLoad(spec, observer, [] { return false; }), std::invalid_argument);
  EXPECT_EQ(target.connectionCount(), 0u);
  EXPECT_EQ(proxy.connectionCount(), 0u);
}

}  // namespace
}  // namespace iter8::metrics
