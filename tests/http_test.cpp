#include "lib/http.h"

#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace iter8::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Http, UrlsInMessagesLoseQueryFragmentAndUserinfo) {
  EXPECT_EQ(urlForMessages("https://hooks.example.com/x/y?token=abc#frag"),
            "https://hooks.example.com/x/y");
  EXPECT_EQ(urlForMessages("https://user:pw@example.com:8443/p?q"), "https://example.com:8443/p");
  EXPECT_EQ(urlForMessages("http://example.com"), "http://example.com");
}

TEST(Http, NoAnswerIsAnHttpErrorNamingTheUrlButNotTheQuery) {
  Request request;
  request.url = "http://127.0.0.1:1/path?api_key=hunter2-secret";
  request.timeout = std::chrono::seconds(2);
  try {
    send(request);
    FAIL() << "expected HttpError";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::kConnect);
    EXPECT_THAT(e.what(), HasSubstr("GET http://127.0.0.1:1/path: "));
    EXPECT_THAT(e.what(), HasSubstr("curl error 7"));
    EXPECT_THAT(e.what(), Not(HasSubstr("hunter2")));
  }
}

TEST(Http, ParseUrlGivesThePartsLibcurlSends) {
  UrlParts parts = parseUrl("HTTP://user:pw@[::1]:8080/a/../b?x=1#frag");
  EXPECT_EQ(parts.scheme, "http");
  EXPECT_EQ(parts.user, "user");
  EXPECT_EQ(parts.password, "pw");
  EXPECT_EQ(parts.host, "[::1]");
  EXPECT_EQ(parts.port, "8080");
  EXPECT_EQ(parts.path, "/b");
  EXPECT_EQ(parts.query, "x=1");
  UrlParts bare = parseUrl("https://example.com");
  EXPECT_EQ(bare.port, "443");
  EXPECT_EQ(bare.path, "/");
  EXPECT_EQ(bare.query, "");
  EXPECT_THROW(parseUrl("http://[::1/x"), std::invalid_argument);
  try {
    parseUrl("not a url");
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("invalid URL 'not a url': "));
  }
  try {
    parseUrl("http://[::1/x?token=s3cret");
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("invalid URL 'http://[::1/x': "));
    EXPECT_THAT(e.what(), Not(HasSubstr("s3cret")));
  }
}

TEST(Http, OnlyHttpAndHttpsAreAllowed) {
  Request request;
  request.url = "file:///etc/passwd";
  EXPECT_THROW(send(request), HttpError);
}

}  // namespace
}  // namespace iter8::http
