// A raw HTTP/1.1 server for tests of HTTP clients that must control the bytes both ways: it
// keeps every request exactly as it arrived (request line, headers, body) and answers with
// responses written byte by byte from a script chosen by the request path, including the odd
// ones a real server sends (interim 1xx, bodies ended by close, silent keep-alive limits,
// resets, truncation). Plain POSIX sockets and a thread per connection; cpp-httplib would
// normalize both directions.
//
// Routes (query parameters in brackets are optional; sizes are decimal byte counts):
//   /length?size=N             200, Content-Length: N, N body bytes
//   /chunked?chunks=a,b,c[&ext=1][&trailer=1]
//                              200, Transfer-Encoding: chunked, one chunk per size (ext=1 adds a
//                              chunk extension to every size line, trailer=1 a trailer field)
//   /eof?size=N                200 without Content-Length or chunking: N bytes, then close
//   /continue[?count=K][&size=N]  K (default 1) "100 Continue" interim responses, then 200 with
//                              N (default 5) bytes
//   /close[?size=N]            200 with "Connection: close" and N (default 2) bytes, then close
//   /keepalive-max?n=K[&size=N]   200 keep-alive, but the connection is closed silently (no
//                              "Connection: close") right after its K-th response, like nginx's
//                              keepalive_requests
//   /status?code=N             status N, body "status N" (no body for 204 and 304)
//   /reset                     reads the request, then resets the connection (RST)
//   /hang                      reads the request and never answers
//   /continue-flood            "100 Continue" interim responses, as fast as the client reads
//                              them, never a final one, until the client leaves
//   /truncated                 headers promising 100 bytes, 10 bytes, then close
//   anything else              200, body "ok"
// A request with "Connection: close" gets it back in the final response of a keep-alive route,
// and the server then closes the connection.
// On every route `piece=P` writes the response in pieces of P bytes, 1 ms apart, so a client
// sees status line, headers, chunk sizes and bodies split at arbitrary points.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace iter8::testing {

class ScriptedHttpServer {
 public:
  // Listens on `address` (an IPv4 or IPv6 literal) and `port` (0: an ephemeral one) when the
  // constructor returns. Throws std::runtime_error when it cannot.
  explicit ScriptedHttpServer(const std::string& address = "127.0.0.1", int port = 0);
  // Closes every connection and joins every thread, also those of /hang, within milliseconds.
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" or "http://[::1]:<port>", then `pathAndQuery` as given.
  std::string url(const std::string& pathAndQuery) const;

  // Requests read completely (headers and Content-Length body), all connections together.
  uint64_t requestCount() const { return requestCount_.load(); }
  // TCP connections accepted.
  uint64_t connectionCount() const { return connectionCount_.load(); }
  // Every request read so far, byte for byte as it arrived, in the order read.
  std::vector<std::string> requests() const;

 private:
  void acceptLoop();
  void serve(int fd);
  void record(const std::string& request);

  std::string address_;
  int port_ = 0;
  int listenFd_ = -1;
  int stopFd_ = -1;  // an eventfd, readable once the destructor runs: wakes every thread
  std::atomic<uint64_t> requestCount_{0};
  std::atomic<uint64_t> connectionCount_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::vector<std::thread> connectionThreads_;
  std::thread acceptThread_;
};

// A loopback port that refuses connections: bound, never listening, held while this lives.
class RefusingLoopbackPort {
 public:
  RefusingLoopbackPort();
  ~RefusingLoopbackPort();
  RefusingLoopbackPort(const RefusingLoopbackPort&) = delete;
  RefusingLoopbackPort& operator=(const RefusingLoopbackPort&) = delete;
  int port() const { return port_; }
  int fd() const { return fd_; }
  // "http://127.0.0.1:<port>" + pathAndQuery
  std::string url(const std::string& pathAndQuery) const;

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port that listens but never accepts: connections complete in the kernel's backlog
// and stay open, and no request is ever answered (each ends at the client's timeout).
class SilentLoopbackPort {
 public:
  SilentLoopbackPort();
  ~SilentLoopbackPort();
  SilentLoopbackPort(const SilentLoopbackPort&) = delete;
  SilentLoopbackPort& operator=(const SilentLoopbackPort&) = delete;
  // "http://127.0.0.1:<port>" + pathAndQuery
  std::string url(const std::string& pathAndQuery) const;

 private:
  RefusingLoopbackPort bound_;  // the same reserved port, then listening
};

}  // namespace iter8::testing
