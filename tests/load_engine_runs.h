// One LoadSpec run through a chosen engine against a ScriptedHttpServer, keeping what both
// sides saw (the samples and the request bytes the server read), and the comparison the
// engine tests make between two such runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plugins/metrics/loadgen/load_generator.h"
#include "tests/support/scripted_http_server.h"

namespace iter8::metrics {

struct EngineRun {
  LoadResult result;
  std::vector<Sample> samples;
  std::vector<std::string> wire;  // requests the server read during the run, sorted
  uint64_t connectionsAccepted = 0;
};

// `spec` with `engine`, run to the end. `server` may be null (nothing listens).
EngineRun runOn(LoadEngine engine, LoadSpec spec, const testing::ScriptedHttpServer* server);

// The multisets the engines must agree on, sorted so that order does not matter.
std::vector<int> sortedCodes(const EngineRun& run);
std::vector<size_t> sortedResponseBytes(const EngineRun& run);
std::vector<std::string> sortedErrors(const EngineRun& run);  // transportErrorName, "none"

// Same sample count, codes, response bytes, errors and request bytes (gtest expectations).
void expectSameOutcome(const EngineRun& curl, const EngineRun& fast);

// Sets (or, with nullptr, unsets) environment variables and puts back the old values when it
// goes. Every test binary that includes this starts with no proxy variables: the tests talk to
// loopback servers directly, and a proxy from the caller's environment would take libcurl's
// requests elsewhere and make the fast engine refuse.
class ScopedEnvironment {
 public:
  ScopedEnvironment() = default;
  ~ScopedEnvironment();
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  void set(const std::string& name, const char* value);

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// The variables libcurl reads to pick a proxy for http:// (both spellings).
inline const std::vector<std::string> kProxyVariables = {"http_proxy", "HTTP_PROXY", "all_proxy",
                                                         "ALL_PROXY",  "no_proxy",   "NO_PROXY"};

// `bytes` with CR, LF and other control bytes spelled out ("\r\n", "\x00"), for messages.
std::string printable(const std::string& bytes);

}  // namespace iter8::metrics
