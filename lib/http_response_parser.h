// The wrapper of http_parser (libhttp-parser-dev), the HTTP/1.x parser of Node.js before llhttp:
// reads the response to one request from bytes as they arrive. Used by the load generator's
// fast engine, which sends one request at a time per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace iter8::http {

struct ResponseParserCallbacks;

class ResponseParser {
 public:
  enum class State {
    kIncomplete,  // more bytes are needed
    kComplete,    // the final response ended (1xx interim responses are skipped)
    kError,       // not HTTP, or the peer closed before the response ended
  };

  ResponseParser();
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Forgets the last response; call before each request.
  void reset();
  // Parses the next bytes of the response. Bytes after a complete response are not parsed and
  // make keepAlive() false (no pipelining: nothing may follow a response).
  State feed(const char* data, size_t size);
  // The peer closed the connection: completes a body that runs until the close, else kError
  // (unless already complete).
  State finish();

  State state() const { return state_; }
  bool started() const { return started_; }          // any byte of a response arrived
  int status() const { return status_; }             // of the final response, once headers are in
  uint64_t bodyBytes() const { return bodyBytes_; }  // decoded (chunked framing not counted)
  // Whether the connection may carry the next request: HTTP/1.1 without "Connection: close",
  // or HTTP/1.0 with keep-alive; false after 101 Switching Protocols. Valid when complete.
  bool keepAlive() const { return keepAlive_; }
  // The response's headers, interim responses' included, passed kMaxHeaderBytes (state kError).
  bool headersTooLarge() const { return headersTooLarge_; }

  // libcurl's limit on the headers of one response, interim ones included (300 KiB,
  // MAX_HTTP_RESP_HEADER_SIZE): a peer sending "100 Continue" forever is refused by both
  // engines alike instead of keeping the request alive.
  static constexpr uint64_t kMaxHeaderBytes = 300 * 1024;

 private:
  friend struct ResponseParserCallbacks;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  State state_ = State::kIncomplete;
  bool started_ = false;
  bool keepAlive_ = false;
  int status_ = 0;
  uint64_t bodyBytes_ = 0;
  uint64_t headerBytes_ = 0;  // before the final response's headers ended
  bool headersTooLarge_ = false;
  bool finalHeaders_ = false;  // the final (not 1xx) response's headers ended
};

}  // namespace iter8::http
