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

// A one-shot HTTP/1.1 server on loopback that answers every request with `answer`; returns
// its port. Join the thread it starts.
int answerOnce(int& listener, std::thread& server, std::string answer) {
  listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return -1;
  socklen_t length = sizeof address;
  if (::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::listen(listener, 1) != 0)
    return -1;
  server = std::thread([listener, answer = std::move(answer)] {
    int client = ::accept(listener, nullptr, nullptr);
    if (client < 0) return;
    char buffer[4096];
    (void)::read(client, buffer, sizeof buffer);
    (void)::write(client, answer.data(), answer.size());
    ::close(client);
  });
  return ntohs(address.sin_port);
}

// Kubernetes sends one `Warning` field per warning: none may be lost.
TEST(Http, ARepeatedHeaderKeepsEveryValueCommaJoined) {
  int listener = -1;
  std::thread server;
  const int port = answerOnce(listener, server,
                              "HTTP/1.1 200 OK\r\nWarning: 299 - \"first\"\r\nContent-Length: 0\r\n"
                              "warning: 299 - \"second, with a comma\"\r\n\r\n");
  ASSERT_GT(port, 0);
  Request request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  request.timeout = std::chrono::seconds(5);
  Response response = send(request);
  EXPECT_EQ(response.header("Warning"), R"(299 - "first", 299 - "second, with a comma")");
  EXPECT_EQ(response.header("Content-Length"), "0");
  server.join();
  ::close(listener);
}

// https:// to a port that answers plain HTTP: OpenSSL's "wrong version number" means nothing to
// most people; say what it means beside it.
TEST(Http, HttpsToAPlainHttpPortSaysTheServerDoesNotSpeakTls) {
  int listener = -1;
  std::thread plainServer;  // reads the TLS hello, answers plain HTTP
  const int port =
      answerOnce(listener, plainServer, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  ASSERT_GT(port, 0);
  Request request;
  request.url = "https://127.0.0.1:" + std::to_string(port) + "/";
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
