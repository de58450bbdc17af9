#include "lib/http.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

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

// https:// to a port that answers plain HTTP: OpenSSL's "wrong version number" means nothing to
// most people; say what it means beside it.
TEST(Http, HttpsToAPlainHttpPortSaysTheServerDoesNotSpeakTls) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  std::thread plainServer([listener] {
    int client = ::accept(listener, nullptr, nullptr);
    if (client < 0) return;
    char buffer[4096];
    (void)::read(client, buffer, sizeof buffer);  // the TLS hello
    const char answer[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    (void)::write(client, answer, sizeof answer - 1);
    ::close(client);
  });
  Request request;
  request.url = "https://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/";
  request.timeout = std::chrono::seconds(5);
  try {
    send(request);
    ADD_FAILURE() << "expected HttpError";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::kTls) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("; the server does not speak TLS (is it plain http://?)"));
  }
  plainServer.join();
  ::close(listener);
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
