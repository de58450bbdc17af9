// libcurl's result codes as the reasons metrics/collect records in ErrorReasons.
#include <curl/curl.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "plugins/metrics/loadgen/transport_error.h"

namespace iter8::metrics {
namespace {

std::string reason(CURLcode code, long osErrno = 0) {
  return transportErrorName(classifyCurlResult(code, osErrno));
}

TEST(TransportError, CurlCodesMapToTheReasonsOperatorsAskAbout) {
  EXPECT_EQ(reason(CURLE_OK), "");
  EXPECT_EQ(reason(CURLE_COULDNT_CONNECT, ECONNREFUSED), "connection refused");
  EXPECT_EQ(reason(CURLE_COULDNT_CONNECT, ETIMEDOUT), "timeout");
  EXPECT_EQ(reason(CURLE_COULDNT_CONNECT, ENETUNREACH), "other");
  EXPECT_EQ(reason(CURLE_OPERATION_TIMEDOUT), "timeout");
  EXPECT_EQ(reason(CURLE_COULDNT_RESOLVE_HOST), "DNS");
  EXPECT_EQ(reason(CURLE_RECV_ERROR, ECONNRESET), "connection reset");
  EXPECT_EQ(reason(CURLE_GOT_NOTHING), "connection reset");
  EXPECT_EQ(reason(CURLE_SSL_CONNECT_ERROR), "TLS");
  EXPECT_EQ(reason(CURLE_PEER_FAILED_VERIFICATION), "TLS");
  EXPECT_EQ(reason(CURLE_TOO_MANY_REDIRECTS), "other");
}

}  // namespace
}  // namespace iter8::metrics
