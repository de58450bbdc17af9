// The fast engine against libcurl: the same LoadSpec through both, against the same scripted
// server, must give the same samples (count, codes, body bytes, transport errors), the same
// connections and the same request bytes on the wire. Each case also pins what libcurl does,
// so a case that passes with both engines cannot pass vacuously.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "plugins/metrics/loadgen/http_target.h"
#include "tests/load_engine_runs.h"
#include "tests/support/scripted_http_server.h"

namespace iter8::metrics {
namespace {

using namespace std::chrono_literals;
using iter8::testing::RefusingLoopbackPort;
using iter8::testing::ScriptedHttpServer;
using iter8::testing::SilentLoopbackPort;

constexpr char kHostPlaceholder[] = "{host}";

// One case: what to load, and what every sample and every request must then be.
struct WireCase {
  WireCase(std::string testName, std::string pathAndQuery)
      : name(std::move(testName)), path(std::move(pathAndQuery)) {}
  WireCase& load(int connectionCount, uint64_t queryCount) {
    connections = connectionCount;
    queries = queryCount;
    return *this;
  }
  WireCase& with(std::vector<std::string> requestHeaders) {
    headers = std::move(requestHeaders);
    return *this;
  }
  WireCase& post(std::string requestBody, std::string requestContentType = "") {
    body = std::move(requestBody);
    contentType = std::move(requestContentType);
    return *this;
  }
  WireCase& expect(int sampleCode, size_t sampleBytes,
                   TransportError sampleError = TransportError::kNone) {
    code = sampleCode;
    bytes = sampleBytes;
    error = sampleError;
    return *this;
  }
  WireCase& opens(int socketCount) {
    sockets = socketCount;
    return *this;
  }
  WireCase& sends(std::string exactRequest) {
    request = std::move(exactRequest);
    return *this;
  }

  std::string name;  // the test's name: which case differed
  std::string path;  // appended to the server's base URL ("http://127.0.0.1:<port>")
  int connections = 2;
  uint64_t queries = 6;
  std::vector<std::string> headers;
  std::string body;
  std::string contentType;
  int code = 200;    // every sample's code
  size_t bytes = 2;  // every sample's responseBytes ("ok" unless the route says otherwise)
  TransportError error = TransportError::kNone;
  int sockets = -1;     // socketCount, when >= 0; then also compared between the engines
  std::string request;  // every request exactly, {host} for "127.0.0.1:<port>"; "" unchecked
};

// gtest names the failing case by this, not by a dump of the struct's bytes.
void PrintTo(const WireCase& c, std::ostream* out) {
  *out << c.name;
}

const std::string kBinaryBody("{\"k\": 1}\r\n\0binary\xff", 19);
constexpr TransportError kReset = TransportError::kConnectionReset;

std::vector<WireCase> wireCases() {
  const std::string get = "GET /get HTTP/1.1\r\n";
  const std::string post = "POST /post HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n";
  return {
      // Bodies delimited every way HTTP/1.1 allows, whole or in small pieces.
      WireCase("LengthSmall", "/length?size=3")
          .expect(200, 3)
          .opens(2)
          .sends("GET /length?size=3 HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n"),
      WireCase("LengthZero", "/length?size=0").expect(200, 0).opens(2),
      WireCase("LengthLarge", "/length?size=300000").load(2, 4).expect(200, 300000).opens(2),
      WireCase("LengthInPieces", "/length?size=40&piece=7").load(1, 3).expect(200, 40).opens(1),
      WireCase("Chunked", "/chunked?chunks=1,10,100,4096").expect(200, 4207).opens(2),
      WireCase("ChunkedWithExtensionsAndTrailerInPieces",
               "/chunked?chunks=3,17,30&ext=1&trailer=1&piece=4")
          .load(1, 3)
          .expect(200, 50)
          .opens(1),
      WireCase("ChunkedEmpty", "/chunked?chunks=").expect(200, 0).opens(2),
      WireCase("BodyEndedByClose", "/eof?size=1234").load(2, 4).expect(200, 1234).opens(6),
      WireCase("BodyEndedByCloseInPieces", "/eof?size=100&piece=9")
          .load(1, 2)
          .expect(200, 100)
          .opens(3),
      // Interim responses before the real one.
      WireCase("Continue", "/continue").expect(200, 5).opens(2),
      WireCase("TwoContinuesInPieces", "/continue?count=2&size=7&piece=5")
          .load(1, 3)
          .expect(200, 7)
          .opens(1),
      // Connections that end: the server says so, says nothing, or the client asked.
      WireCase("ConnectionClose", "/close").load(2, 5).opens(7),
      WireCase("KeepAliveMaxThree", "/keepalive-max?n=3").load(1, 10).opens(4),
      WireCase("KeepAliveMaxOne", "/keepalive-max?n=1").load(1, 4).opens(5),
      WireCase("KeepAliveMaxTwoOnThreeConnections", "/keepalive-max?n=2").load(3, 12),
      WireCase("ConnectionCloseRequestedByClient", "/length?size=3")
          .load(2, 4)
          .with({"Connection: close"})
          .expect(200, 3)
          .opens(6)
          .sends("GET /length?size=3 HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n"
                 "Connection: close\r\n\r\n"),
      // Status codes, with and without a body.
      WireCase("Status201", "/status?code=201").load(2, 4).expect(201, 10).opens(2),
      WireCase("Status204", "/status?code=204").load(2, 4).expect(204, 0).opens(2),
      WireCase("Status304", "/status?code=304").load(2, 4).expect(304, 0).opens(2),
      WireCase("Status404", "/status?code=404").load(2, 4).expect(404, 10).opens(2),
      WireCase("Status503", "/status?code=503").load(2, 4).expect(503, 10).opens(2),
      // Transport failures that are not timeouts (those are below).
      WireCase("Reset", "/reset").load(2, 4).expect(-1, 0, kReset).opens(6),
      WireCase("Truncated", "/truncated").load(2, 4).expect(-1, 10, kReset).opens(6),
      // What goes out: methods, bodies, headers.
      WireCase("PostBinaryBodyWithHeaders", "/post")
          .load(1, 2)
          .with({"X-Iter8-Trace: a  b\tc;=\"q\"", "Authorization: Bearer t0ken"})
          .post(kBinaryBody, "application/json")
          .sends(post +
                 "X-Iter8-Trace: a  b\tc;=\"q\"\r\nAuthorization: Bearer t0ken\r\n"
                 "Content-Type: application/json\r\nContent-Length: 19\r\n\r\n" +
                 kBinaryBody),
      WireCase("PostDefaultContentType", "/post")
          .load(1, 2)
          .post("payload")
          .sends(post +
                 "Content-Type: application/octet-stream\r\nContent-Length: 7\r\n\r\npayload"),
      WireCase("PostEmptyBodyWithContentType", "/post")
          .load(1, 2)
          .post("", "text/plain")
          .sends(post + "Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n"),
      WireCase("PostContentTypeFromHeaders", "/post")
          .load(1, 2)
          .with({"Content-Type: text/csv"})
          .post("a,b")
          .sends(post + "Content-Type: text/csv\r\nContent-Length: 3\r\n\r\na,b"),
      WireCase("HostAndAcceptReplaced", "/get")
          .load(1, 2)
          .with({"Host: example.test:8080", "Accept: text/plain", "X-After: 1"})
          .sends(get + "Host: example.test:8080\r\nAccept: text/plain\r\nX-After: 1\r\n\r\n"),
      // libcurl puts a user's Host where its own would go, spelled "Host:", whatever the
      // user's spelling and position; a user's Accept stays where the user put it.
      WireCase("HostReplacedLowerCaseAfterOthers", "/get")
          .load(1, 2)
          .with({"X-Before: 1", "host: example.test", "accept: text/html"})
          .sends(get + "Host: example.test\r\nX-Before: 1\r\naccept: text/html\r\n\r\n"),
      WireCase("EmptyValuesRemoveHeaders", "/get")
          .load(1, 2)
          .with({"Accept:", "X-Empty:", "X-Kept: yes", "X-Blank:   "})
          .sends(get + "Host: {host}\r\nX-Kept: yes\r\n\r\n"),
      WireCase("EmptyHostRemovesHost", "/get")
          .load(1, 2)
          .with({"Host:"})
          .sends(get + "Accept: */*\r\n\r\n"),
      WireCase("HeadersSpelledAsGiven", "/get")
          .load(1, 2)
          .with({"X-Tight:value", "x-lower: v", "X-Padded:  v  ", "X-Dup: 1", "X-Dup: 2"})
          .sends(get + "Host: {host}\r\nAccept: */*\r\nX-Tight:value\r\nx-lower: v\r\n"
                       "X-Padded:  v  \r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n"),
      // libcurl skips every isspace() byte before deciding a value is empty, not only blanks.
      WireCase("ValueOfOnlyAVerticalTab", "/get")
          .load(1, 2)
          .with({"X-Vt: \v", "X-Kept: yes"})
          .sends(get + "Host: {host}\r\nAccept: */*\r\nX-Kept: yes\r\n\r\n"),
      // URLs: queries, fragments, dot segments, percent-encoding, no path at all.
      WireCase("QueryStringAndFragment", "/length?size=3&a=1&b=%20x&c=#fragment")
          .load(1, 2)
          .expect(200, 3)
          .sends(
              "GET /length?size=3&a=1&b=%20x&c= HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n"),
      WireCase("DotSegments", "/x/../length?size=3")
          .load(1, 2)
          .expect(200, 3)
          .sends("GET /length?size=3 HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n"),
      WireCase("NoPath", "")
          .load(1, 2)
          .sends("GET / HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n"),
      WireCase("QueryWithoutPath", "?size=3")
          .load(1, 2)
          .sends("GET /?size=3 HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n"),
      WireCase("PercentEncodedPath", "/caf%C3%A9/%2e%2E/x")
          .load(1, 2)
          .sends("GET /caf%C3%A9/%2e%2E/x HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n"),
  };
}

LoadSpec countedLoad(const std::string& url, int connections, uint64_t queries) {
  LoadSpec spec;
  spec.url = url;
  spec.qps = 0;
  spec.connections = connections;
  spec.numQueries = queries;
  spec.timeout = 2s;
  return spec;
}

// The load of case `c` against `server`.
LoadSpec caseLoad(const WireCase& c, const ScriptedHttpServer& server) {
  LoadSpec spec = countedLoad(server.url(c.path), c.connections, c.queries);
  spec.headers = c.headers;
  spec.body = c.body;
  spec.contentType = c.contentType;
  return spec;
}

std::string caseName(const ::testing::TestParamInfo<WireCase>& param) {
  return param.param.name;
}

class SameOnBothEngines : public ::testing::TestWithParam<WireCase> {};

std::string replaceHost(std::string text, const std::string& host) {
  for (size_t at = text.find(kHostPlaceholder); at != std::string::npos;
       at = text.find(kHostPlaceholder, at + host.size()))
    text.replace(at, sizeof kHostPlaceholder - 1, host);
  return text;
}

void expectCaseOutcome(const WireCase& c, const EngineRun& run, LoadEngine engine,
                       const std::string& host) {
  SCOPED_TRACE(std::string("engine ") + loadEngineName(engine));
  EXPECT_STREQ(loadEngineName(run.result.engine), loadEngineName(engine));
  EXPECT_EQ(run.result.requests, c.queries);
  ASSERT_EQ(run.samples.size(), c.queries);
  for (const Sample& sample : run.samples) {
    EXPECT_EQ(sample.code, c.code);
    EXPECT_EQ(sample.responseBytes, c.bytes);
    EXPECT_STREQ(transportErrorName(sample.error), transportErrorName(c.error));
  }
  if (c.sockets >= 0) {
    EXPECT_EQ(run.result.socketCount, c.sockets);
  }
  EXPECT_EQ(static_cast<uint64_t>(run.result.socketCount), run.connectionsAccepted)
      << "socketCount vs the connections the server accepted";
  // Every request the load sent reached the server exactly once (retries that never arrived
  // are not requests), warm-up included.
  EXPECT_EQ(run.wire.size(), c.queries + static_cast<uint64_t>(c.connections));
  if (!c.request.empty()) {
    for (const std::string& request : run.wire) EXPECT_EQ(request, replaceHost(c.request, host));
  }
}

TEST_P(SameOnBothEngines, CountsCodesBodiesErrorsAndRequestBytes) {
  const WireCase& c = GetParam();
  ScriptedHttpServer server;
  LoadSpec spec = caseLoad(c, server);
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  EngineRun curl = runOn(LoadEngine::kCurl, spec, &server);
  expectCaseOutcome(c, curl, LoadEngine::kCurl, host);
  EngineRun fast = runOn(LoadEngine::kFast, spec, &server);
  expectCaseOutcome(c, fast, LoadEngine::kFast, host);
  expectSameOutcome(curl, fast);
  if (c.sockets >= 0) {
    EXPECT_EQ(fast.result.socketCount, curl.result.socketCount) << "socketCount: fast vs curl";
  }
  // Print the request once, so a reader of the log sees what both engines send.
  if (!curl.wire.empty()) std::printf("curl sent: %s\n", printable(curl.wire.front()).c_str());
}

INSTANTIATE_TEST_SUITE_P(LoadEngines, SameOnBothEngines, ::testing::ValuesIn(wireCases()),
                         caseName);

// The request buildHttpRequest composes for the fast engine, against the one libcurl sent.
// It needs no fast engine yet, so it shows a difference in spelling on its own.
class RequestBuilder : public ::testing::TestWithParam<WireCase> {};

TEST_P(RequestBuilder, SpellsTheRequestLikeLibcurl) {
  const WireCase& c = GetParam();
  ScriptedHttpServer server;
  LoadSpec spec = caseLoad(c, server);
  spec.connections = 1;
  spec.numQueries = 1;
  EngineRun curl = runOn(LoadEngine::kCurl, spec, &server);
  ASSERT_FALSE(curl.wire.empty());
  EXPECT_EQ(buildHttpRequest(spec, parseHttpTarget(spec.url)), curl.wire.front());
}

INSTANTIATE_TEST_SUITE_P(LoadEngines, RequestBuilder, ::testing::ValuesIn(wireCases()), caseName);

// Every sample of `run` (made with `engine`) has this code, body size and error.
void expectEverySample(const EngineRun& run, LoadEngine engine, uint64_t queries, int code,
                       size_t bytes, TransportError error) {
  SCOPED_TRACE(std::string("engine ") + loadEngineName(engine));
  EXPECT_STREQ(loadEngineName(run.result.engine), loadEngineName(engine));
  ASSERT_EQ(run.samples.size(), queries);
  for (const Sample& sample : run.samples) {
    EXPECT_EQ(sample.code, code);
    EXPECT_EQ(sample.responseBytes, bytes);
    EXPECT_STREQ(transportErrorName(sample.error), transportErrorName(error));
  }
}

TEST(LoadEngines, TimeOutAlikeWhenTheServerNeverAnswers) {
  ScriptedHttpServer server;
  LoadSpec spec = countedLoad(server.url("/hang"), 2, 2);
  spec.timeout = 200ms;
  EngineRun curl = runOn(LoadEngine::kCurl, spec, &server);
  EngineRun fast = runOn(LoadEngine::kFast, spec, &server);
  for (const EngineRun* run : {&curl, &fast}) {
    LoadEngine engine = run == &curl ? LoadEngine::kCurl : LoadEngine::kFast;
    expectEverySample(*run, engine, 2, -1, 0, TransportError::kTimeout);
    for (const Sample& sample : run->samples)
      EXPECT_NEAR(sample.latencySeconds, 0.2, 0.1) << loadEngineName(engine);
    EXPECT_EQ(run->wire.size(), 4u) << loadEngineName(engine);  // warm-ups hang too
  }
  expectSameOutcome(curl, fast);
}

// A peer flooding "100 Continue" never ends a request. Both engines end it alike once the
// response's headers pass libcurl's 300 KiB (recorded as a reset, as libcurl's
// CURLE_RECV_ERROR is), well before its timeout: the fast engine used to read interim
// responses for as long as they came.
TEST(LoadEngines, EndAFloodOfInterimResponsesAlike) {
  ScriptedHttpServer server;
  LoadSpec spec = countedLoad(server.url("/continue-flood"), 1, 2);
  spec.timeout = 5s;
  EngineRun curl = runOn(LoadEngine::kCurl, spec, &server);
  EngineRun fast = runOn(LoadEngine::kFast, spec, &server);
  for (const EngineRun* run : {&curl, &fast}) {
    LoadEngine engine = run == &curl ? LoadEngine::kCurl : LoadEngine::kFast;
    expectEverySample(*run, engine, 2, -1, 0, TransportError::kConnectionReset);
    for (const Sample& sample : run->samples)
      EXPECT_LT(sample.latencySeconds, 4.0) << loadEngineName(engine) << ": not the timeout";
  }
  expectSameOutcome(curl, fast);
}

TEST(LoadEngines, CountRefusedConnectionsAlike) {
  RefusingLoopbackPort port;
  LoadSpec spec = countedLoad(port.url("/length?size=3"), 2, 4);
  EngineRun curl = runOn(LoadEngine::kCurl, spec, nullptr);
  EngineRun fast = runOn(LoadEngine::kFast, spec, nullptr);
  expectEverySample(curl, LoadEngine::kCurl, 4, -1, 0, TransportError::kConnectionRefused);
  expectEverySample(fast, LoadEngine::kFast, 4, -1, 0, TransportError::kConnectionRefused);
  expectSameOutcome(curl, fast);
  EXPECT_EQ(curl.result.socketCount, 0);  // libcurl counts connections made, not attempts
  EXPECT_EQ(fast.result.socketCount, curl.result.socketCount);
}

// The soft open-file limit set to what is open now plus `spare`, for one test; put back after.
class ScopedDescriptorLimit {
 public:
  explicit ScopedDescriptorLimit(long spare) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    long open = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
      (void)entry;
      ++open;
    }
    struct rlimit tight = saved_;
    tight.rlim_cur = static_cast<rlim_t>(open + spare);
    ::setrlimit(RLIMIT_NOFILE, &tight);
  }
  ~ScopedDescriptorLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  ScopedDescriptorLimit(const ScopedDescriptorLimit&) = delete;
  ScopedDescriptorLimit& operator=(const ScopedDescriptorLimit&) = delete;

 private:
  struct rlimit saved_ {};
};

// Descriptors that run out during a load (here: a limit lowered under the engine, past what
// collect's reservation would have allowed) are the handler's failure: both engines say "no
// file descriptors", never "other", so collect can keep them out of the version's errors.
TEST(LoadEngines, TellRunningOutOfDescriptorsFromTheTargetsErrorsAlike) {
#ifdef __SANITIZE_ADDRESS__
  // UBSan's vptr check probes memory through a pipe: with descriptors used up on purpose, it
  // reports every virtual call as one on an invalid object. The unsanitized suite runs this.
  GTEST_SKIP() << "descriptors exhausted on purpose; the sanitizers need some of their own";
#endif
  SilentLoopbackPort port;  // every connection stays open until the request times out
  LoadSpec spec = countedLoad(port.url("/"), 16, 32);
  spec.timeout = 200ms;
  for (LoadEngine engine : {LoadEngine::kCurl, LoadEngine::kFast}) {
    SCOPED_TRACE(loadEngineName(engine));
    std::vector<Sample> samples;
    {
      ScopedDescriptorLimit limit(8);
      samples = runOn(engine, spec, nullptr).samples;
    }
    ASSERT_EQ(samples.size(), 32u);
    size_t unsent = 0;
    for (const Sample& sample : samples) {
      EXPECT_EQ(sample.code, -1);
      EXPECT_TRUE(sample.error == TransportError::kNoDescriptors ||
                  sample.error == TransportError::kTimeout)
          << transportErrorName(sample.error);
      if (sample.error == TransportError::kNoDescriptors) ++unsent;
    }
    EXPECT_GT(unsent, 0u);
  }
}

// Runs `url` on both engines against `server`; every request must be `request` exactly.
void expectSameSimpleGet(const ScriptedHttpServer& server, const std::string& url,
                         const std::string& request) {
  SCOPED_TRACE(url);
  LoadSpec spec = countedLoad(url, 2, 4);
  EngineRun curl = runOn(LoadEngine::kCurl, spec, &server);
  EngineRun fast = runOn(LoadEngine::kFast, spec, &server);
  expectEverySample(curl, LoadEngine::kCurl, 4, 200, 3, TransportError::kNone);
  expectEverySample(fast, LoadEngine::kFast, 4, 200, 3, TransportError::kNone);
  expectSameOutcome(curl, fast);
  EXPECT_EQ(fast.result.socketCount, curl.result.socketCount);
  ASSERT_EQ(curl.wire.size(), 6u);
  for (const std::string& sent : curl.wire) EXPECT_EQ(sent, request);
}

TEST(LoadEngines, SameOverIpv6Loopback) {
  std::unique_ptr<ScriptedHttpServer> server;
  try {
    server = std::make_unique<ScriptedHttpServer>("::1");
  } catch (const std::runtime_error& error) {
    GTEST_SKIP() << "this machine has no IPv6 loopback (::1): " << error.what();
  }
  std::string port = std::to_string(server->port());
  expectSameSimpleGet(
      *server, "http://[::1]:" + port + "/length?size=3",
      "GET /length?size=3 HTTP/1.1\r\nHost: [::1]:" + port + "\r\nAccept: */*\r\n\r\n");
}

bool resolvesToIpv4Loopback(const char* name) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(name, "80", &hints, &found) != 0) return false;
  freeaddrinfo(found);
  return true;
}

// "localhost" may list ::1 first, where nothing listens: both engines must go on to 127.0.0.1.
TEST(LoadEngines, SameForAHostNameThatResolvesToSeveralAddresses) {
  if (!resolvesToIpv4Loopback("localhost"))
    GTEST_SKIP() << "'localhost' does not resolve to an IPv4 address here";
  ScriptedHttpServer server;
  std::string port = std::to_string(server.port());
  expectSameSimpleGet(
      server, "http://localhost:" + port + "/length?size=3",
      "GET /length?size=3 HTTP/1.1\r\nHost: localhost:" + port + "\r\nAccept: */*\r\n\r\n");
}

// Port 80, named or implied, stays out of the Host header. 127.0.0.2 (loopback too) keeps clear
// of anything on 127.0.0.1:80.
TEST(LoadEngines, LeaveTheDefaultPortOutOfTheHostHeader) {
  std::unique_ptr<ScriptedHttpServer> server;
  try {
    server = std::make_unique<ScriptedHttpServer>("127.0.0.2", 80);
  } catch (const std::runtime_error& error) {
    GTEST_SKIP() << "cannot listen on 127.0.0.2:80 (needs CAP_NET_BIND_SERVICE and a free "
                    "port): "
                 << error.what();
  }
  const std::string request =
      "GET /length?size=3 HTTP/1.1\r\nHost: 127.0.0.2\r\nAccept: */*\r\n\r\n";
  expectSameSimpleGet(*server, "http://127.0.0.2/length?size=3", request);
  expectSameSimpleGet(*server, "http://127.0.0.2:80/length?size=3", request);
}

// The server itself: a client still waiting on /hang must not keep the destructor (and so the
// test) from ending.
TEST(ScriptedHttpServer, StopsPromptlyWithAClientStillWaiting) {
  auto server = std::make_unique<ScriptedHttpServer>();
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string request = "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(client, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  while (server->requestCount() == 0) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(server->requests(), std::vector<std::string>{request});
  auto begin = std::chrono::steady_clock::now();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 500ms);
  char byte;
  EXPECT_EQ(recv(client, &byte, 1, 0), 0);  // closed without a response
  close(client);
}

}  // namespace
}  // namespace iter8::metrics
