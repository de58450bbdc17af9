// libcurl's result codes as the reasons metrics/collect records in ErrorReasons.
#include <curl/curl.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "plugins/metrics/loadgen/transport_error.h"
#include "plugins/metrics/version_recorder.h"

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
  EXPECT_EQ(reason(CURLE_COULDNT_CONNECT, EMFILE), "no file descriptors");
}

// Requests the handler could not send for want of a descriptor are its own failure: they stay
// out of every figure of the version (codes, reasons, histograms) and are counted apart.
TEST(TransportError, RequestsUnsentForWantOfDescriptorsAreNotTheVersions) {
  VersionRecorder recorder;
  recorder.onSample(Sample{0.002, 0.002, 200, 10});
  recorder.onSample(Sample{0.0, 0.0, -1, 0, classifySocketErrno(EMFILE)});
  recorder.onSample(Sample{0.0, 0.0, -1, 0, classifySocketErrno(ENFILE)});
  recorder.onSample(Sample{0.001, 0.001, -1, 0, classifyConnectErrno(ECONNREFUSED)});
  EXPECT_EQ(recorder.unsentForDescriptors(), 2);
  EXPECT_EQ(recorder.durations().counter().count, 2);
  EXPECT_EQ(recorder.retCodes().at(-1), 1);
  EXPECT_EQ(recorder.transportErrors()[static_cast<size_t>(TransportError::kNoDescriptors)], 0);
  EXPECT_EQ(recorder.transportErrors()[static_cast<size_t>(TransportError::kConnectionRefused)], 1);
}

}  // namespace
}  // namespace iter8::metrics
