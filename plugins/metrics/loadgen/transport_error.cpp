#include "plugins/metrics/loadgen/transport_error.h"

#include <curl/curl.h>

#include <cerrno>

namespace iter8::metrics {

const char* transportErrorName(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "";
    case TransportError::kConnectionRefused:
      return "connection refused";
    case TransportError::kTimeout:
      return "timeout";
    case TransportError::kConnectionReset:
      return "connection reset";
    case TransportError::kDns:
      return "DNS";
    case TransportError::kTls:
      return "TLS";
    case TransportError::kNoDescriptors:
      return "no file descriptors";
    case TransportError::kOther:
      break;
  }
  return "other";
}

TransportError classifySocketErrno(long osErrno) {
  return osErrno == EMFILE || osErrno == ENFILE ? TransportError::kNoDescriptors
                                                : TransportError::kOther;
}

TransportError classifyConnectErrno(long osErrno) {
  if (osErrno == ETIMEDOUT) return TransportError::kTimeout;
  if (osErrno == ECONNREFUSED || osErrno == 0) return TransportError::kConnectionRefused;
  return classifySocketErrno(osErrno);  // libcurl reports a failed socket() as a failed connect
}

TransportError classifyCurlResult(int curlCode, long osErrno) {
  switch (static_cast<CURLcode>(curlCode)) {
    case CURLE_OK:
      return TransportError::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportError::kDns;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::kTimeout;
    case CURLE_COULDNT_CONNECT:
      // libcurl reports every failed connect() this way; errno says why.
      return classifyConnectErrno(osErrno);
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return TransportError::kConnectionReset;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
      return TransportError::kTls;
    default:
      return TransportError::kOther;
  }
}

}  // namespace iter8::metrics
