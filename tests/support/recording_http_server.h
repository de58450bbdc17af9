// A real HTTP/1.1 receiver on 127.0.0.1 (ephemeral port) that records every request it gets
// (method, path, query, headers, body) and answers all of them with one configurable reply.
// For tests of tasks that send notifications and webhooks. Built on cpp-httplib behind a
// pimpl, so tests do not compile httplib.h themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iter8::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;                                          // without the query
  std::string query;                                         // raw, without '?'; "" when none
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  std::string body;

  // Value of header `name` (any case); "" when absent. `has` tells absent from empty.
  std::string header(std::string_view name) const;
  bool has(std::string_view name) const;
};

struct Reply {
  int status = 200;
  std::string body = "ok";
  std::string contentType = "text/plain";
  std::chrono::milliseconds delay{0};  // before answering (cut short when the server stops)
  // When set: `body` repeated until this many bytes are sent, streamed in pieces, so a test can
  // answer with hundreds of megabytes without holding them (a hostile receiver).
  uint64_t streamedBytes = 0;
};

class RecordingHttpServer {
 public:
  RecordingHttpServer();  // listening when the constructor returns
  ~RecordingHttpServer();
  RecordingHttpServer(const RecordingHttpServer&) = delete;
  RecordingHttpServer& operator=(const RecordingHttpServer&) = delete;

  // "http://127.0.0.1:<port>" + path
  std::string url(const std::string& path) const;
  // The reply to every request from now on (GET, POST, PUT, PATCH, DELETE, OPTIONS, any path).
  void setReply(Reply reply);
  std::vector<ReceivedRequest> requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A loopback port nothing listens on (bound, then closed), for "connection refused".
int unusedLoopbackPort();

}  // namespace iter8::testing
