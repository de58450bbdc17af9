// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) for tests of HTTP clients. Built on
// cpp-httplib, hidden behind a pimpl so tests do not compile httplib.h themselves.
//
// Endpoints:
//   /fast                      200 "ok"
//   /slow?ms=N                 200 after N ms
//   /sometimes-slow?every=K&ms=N   200; every K-th request to it (1st, K+1-th, ...) takes N ms
//   /status/N                  status N
//   /echo                      any method; 200 with the request's headers ("Name: value\n"
//                              each), a blank line and its body; also recorded (lastEcho)
//   /close                     sends headers promising 1000 bytes, then drops the connection
//   /planned                   the n-th request to it (from 0) takes setLatencyPlan's n-th
//                              delay (0 past the plan's end); servedDelaysMs lists them
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace iter8::testing {

struct RecordedRequest {
  std::string method;
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  std::string body;
};

class TestHttpServer {
 public:
  TestHttpServer();  // listening when the constructor returns
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const;
  // "http://127.0.0.1:<port>" + path
  std::string url(const std::string& path) const;
  // Requests that reached any handler, all endpoints together.
  uint64_t requestCount() const;
  std::optional<RecordedRequest> lastEcho() const;
  // A deterministic ground truth for latency figures: the delay of each /planned request.
  void setLatencyPlan(std::vector<int> delaysMs);
  std::vector<int> servedDelaysMs() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iter8::testing
