// Fuzzes lib/http_response_parser with what a hostile or broken server could send to the load
// generator's fast engine: any bytes, delivered in any pieces, with or without a close. The
// first input byte sets the piece size (1 to 256 bytes), the second whether the peer closes.
// Checks, beyond "no crash or UB": the body count never exceeds the bytes fed, a finished
// parser never changes its verdict, and a complete response has a final status (three digits,
// not an interim 1xx).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "lib/http_response_parser.h"

using iter8::http::ResponseParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t piece = static_cast<size_t>(data[0]) + 1;
  const bool peerCloses = (data[1] & 1) != 0;
  const char* bytes = reinterpret_cast<const char*>(data + 2);
  const size_t length = size - 2;

  ResponseParser parser;
  ResponseParser::State state = ResponseParser::State::kIncomplete;
  for (size_t offset = 0; offset < length; offset += piece) {
    size_t n = length - offset < piece ? length - offset : piece;
    ResponseParser::State before = state;
    state = parser.feed(bytes + offset, n);
    if (before != ResponseParser::State::kIncomplete && state != before) std::abort();
  }
  if (peerCloses) {
    ResponseParser::State closed = parser.finish();
    if (state != ResponseParser::State::kIncomplete && closed != state) std::abort();
    if (closed == ResponseParser::State::kIncomplete) std::abort();
    state = closed;
  }
  if (parser.bodyBytes() > length) std::abort();
  const int status = parser.status();
  if (state == ResponseParser::State::kComplete &&
      (status < 0 || status > 999 || (status >= 100 && status < 200 && status != 101)))
    std::abort();
  // The same parser must serve the next request.
  parser.reset();
  if (parser.started() || parser.state() != ResponseParser::State::kIncomplete) std::abort();
  return 0;
}
