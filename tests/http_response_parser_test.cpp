// lib/http_response_parser: responses as a server sends them, fed whole and byte by byte.
#include "lib/http_response_parser.h"

#include <string>

#include <gtest/gtest.h>

namespace iter8::http {
namespace {

using State = ResponseParser::State;

State feedAll(ResponseParser& parser, const std::string& bytes) {
  return parser.feed(bytes.data(), bytes.size());
}

// Feeds one byte at a time, as a slow network would deliver them.
State feedBytewise(ResponseParser& parser, const std::string& bytes) {
  State state = State::kIncomplete;
  for (char byte : bytes) state = parser.feed(&byte, 1);
  return state;
}

TEST(ResponseParser, ReadsAContentLengthBodyWhateverTheChunkingOfTheBytes) {
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  for (bool bytewise : {false, true}) {
    ResponseParser parser;
    EXPECT_FALSE(parser.started());
    State state = bytewise ? feedBytewise(parser, response) : feedAll(parser, response);
    EXPECT_EQ(state, State::kComplete);
    EXPECT_TRUE(parser.started());
    EXPECT_EQ(parser.status(), 200);
    EXPECT_EQ(parser.bodyBytes(), 5u);
    EXPECT_TRUE(parser.keepAlive());
  }
}

TEST(ResponseParser, IsIncompleteUntilTheLastByteOfTheBody) {
  ResponseParser parser;
  EXPECT_EQ(feedAll(parser, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell"),
            State::kIncomplete);
  EXPECT_EQ(feedAll(parser, "o"), State::kComplete);
}

TEST(ResponseParser, CountsTheDecodedBytesOfAChunkedBody) {
  ResponseParser parser;
  EXPECT_EQ(feedBytewise(parser,
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n"),
            State::kComplete);
  EXPECT_EQ(parser.bodyBytes(), 13u);
  EXPECT_TRUE(parser.keepAlive());
}

TEST(ResponseParser, EndsABodyWithoutLengthWhenThePeerCloses) {
  ResponseParser parser;
  EXPECT_EQ(feedAll(parser, "HTTP/1.1 200 OK\r\n\r\nuntil the end"), State::kIncomplete);
  EXPECT_EQ(parser.finish(), State::kComplete);
  EXPECT_EQ(parser.bodyBytes(), 13u);
  EXPECT_FALSE(parser.keepAlive());
}

TEST(ResponseParser, SkipsInterimResponses) {
  ResponseParser parser;
  EXPECT_EQ(feedAll(parser,
                    "HTTP/1.1 100 Continue\r\n\r\n"
                    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
            State::kComplete);
  EXPECT_EQ(parser.status(), 201);
  EXPECT_EQ(parser.bodyBytes(), 2u);
}

TEST(ResponseParser, SaysWhenTheConnectionCannotCarryTheNextRequest) {
  struct Case {
    const char* response;
    bool keepAlive;
  };
  for (const Case& c : {
           Case{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
           Case{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
           Case{"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
           Case{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
           Case{"HTTP/1.1 204 No Content\r\n\r\n", true},
           Case{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
                false},
       }) {
    ResponseParser parser;
    EXPECT_EQ(feedAll(parser, c.response), State::kComplete) << c.response;
    EXPECT_EQ(parser.keepAlive(), c.keepAlive) << c.response;
  }
}

TEST(ResponseParser, BytesAfterTheResponseEndTheConnection) {
  ResponseParser parser;
  EXPECT_EQ(feedAll(parser, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"),
            State::kComplete);
  EXPECT_EQ(parser.bodyBytes(), 2u);
  EXPECT_FALSE(parser.keepAlive());
}

TEST(ResponseParser, FlagsWhatIsNotHttpAndBodiesCutShort) {
  ResponseParser garbage;
  EXPECT_EQ(feedAll(garbage, "SSH-2.0-OpenSSH_9.2\r\n"), State::kError);
  ResponseParser truncated;
  EXPECT_EQ(feedAll(truncated, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nten bytes!"),
            State::kIncomplete);
  EXPECT_EQ(truncated.finish(), State::kError);
  EXPECT_EQ(truncated.bodyBytes(), 10u);
  ResponseParser nothing;
  EXPECT_EQ(nothing.finish(), State::kError);
  EXPECT_FALSE(nothing.started());
}

TEST(ResponseParser, StartsOverAfterReset) {
  ResponseParser parser;
  EXPECT_EQ(feedAll(parser, "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy"),
            State::kComplete);
  parser.reset();
  EXPECT_FALSE(parser.started());
  EXPECT_EQ(parser.state(), State::kIncomplete);
  EXPECT_EQ(feedAll(parser, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"), State::kComplete);
  EXPECT_EQ(parser.status(), 200);
  EXPECT_EQ(parser.bodyBytes(), 1u);
}

}  // namespace
// Interim responses count towards the headers' limit, as in libcurl: an endless stream of them
// ends in an error instead of a response that never completes.
TEST(ResponseParser, EndlessInterimResponsesPassTheHeaderLimit) {
  ResponseParser parser;
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  uint64_t fed = 0;
  ResponseParser::State state = ResponseParser::State::kIncomplete;
  while (state == ResponseParser::State::kIncomplete && fed < 2 * ResponseParser::kMaxHeaderBytes) {
    state = parser.feed(interim.data(), interim.size());
    fed += interim.size();
  }
  EXPECT_EQ(state, ResponseParser::State::kError);
  EXPECT_TRUE(parser.headersTooLarge());
  EXPECT_GT(fed, ResponseParser::kMaxHeaderBytes);
  EXPECT_LT(fed, ResponseParser::kMaxHeaderBytes + interim.size() + 1);

  parser.reset();  // the next request starts counting again
  const std::string ok =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(parser.feed(ok.data(), ok.size()), ResponseParser::State::kComplete);
  EXPECT_FALSE(parser.headersTooLarge());
}

}  // namespace iter8::http
