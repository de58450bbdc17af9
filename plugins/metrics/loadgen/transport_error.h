// Why a request got no HTTP response: the reasons metrics/collect records per version in
// `ErrorReasons` (beside Fortio's RetCodes, where all of them are code -1).
#pragma once

#include <array>
#include <cstdint>

namespace iter8::metrics {

enum class TransportError : uint8_t {
  kNone,  // a response arrived (its status may still be an error; see RetCodes)
  kConnectionRefused,
  kTimeout,
  kConnectionReset,  // closed or reset by the peer, or nothing received
  kDns,
  kTls,
  // The handler's own: no file descriptor left for a socket (EMFILE, ENFILE). Never a
  // version's error: the request was not sent, so the target is not blamed for it.
  kNoDescriptors,
  kOther,
};

inline constexpr int kTransportErrorCount = static_cast<int>(TransportError::kOther) + 1;

// The key used in `ErrorReasons` and in messages: "connection refused", "timeout",
// "connection reset", "DNS", "TLS", "no file descriptors", "other" ("" for kNone).
const char* transportErrorName(TransportError error);

// libcurl's result code of a finished transfer (CURLcode as int) and the OS errno it saw
// (CURLINFO_OS_ERRNO) mapped to a reason. 0 (CURLE_OK) is kNone.
TransportError classifyCurlResult(int curlCode, long osErrno);

// A failed connect() (its errno) mapped to a reason, as both engines report it: ECONNREFUSED
// (and 0: no errno known) is kConnectionRefused, ETIMEDOUT kTimeout, EMFILE and ENFILE
// kNoDescriptors, anything else kOther.
TransportError classifyConnectErrno(long osErrno);

// A failed socket() (its errno): kNoDescriptors for EMFILE and ENFILE, else kOther.
TransportError classifySocketErrno(long osErrno);

// Counts per reason, indexed by the enum (kNone unused).
using TransportErrorCounts = std::array<int64_t, kTransportErrorCount>;

}  // namespace iter8::metrics
