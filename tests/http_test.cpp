#include "lib/http.h"

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

TEST(Http, OnlyHttpAndHttpsAreAllowed) {
  Request request;
  request.url = "file:///etc/passwd";
  EXPECT_THROW(send(request), HttpError);
}

}  // namespace
}  // namespace iter8::http
