// lib/http's status-line reason phrase and Request::abort, against a real receiver.
#include <chrono>

#include <gtest/gtest.h>

#include "lib/http.h"
#include "tests/support/recording_http_server.h"

namespace iter8::http {
namespace {

TEST(HttpClientExtras, ResponseKeepsTheReasonPhrase) {
  testing::RecordingHttpServer server;
  server.setReply({503, "busy", "text/plain", {}});
  Request request;
  request.url = server.url("/x");
  Response response = send(request);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.reason, "Service Unavailable");
  EXPECT_EQ(response.statusLine(), "503 Service Unavailable");
  EXPECT_EQ(response.body, "busy");
}

TEST(HttpClientExtras, AbortEndsAnExchangeInFlight) {
  testing::RecordingHttpServer server;
  server.setReply({200, "late", "text/plain", std::chrono::milliseconds(20000)});
  Request request;
  request.url = server.url("/slow");
  request.timeout = std::chrono::seconds(60);
  const auto start = std::chrono::steady_clock::now();
  request.abort = [&] {
    return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300);
  };
  try {
    send(request);
    FAIL() << "expected HttpError";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::kCancelled) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace iter8::http
