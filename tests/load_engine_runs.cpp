#include "tests/load_engine_runs.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

namespace iter8::metrics {
namespace {

class KeepingObserver : public SampleObserver {
 public:
  void onSample(const Sample& sample) override { samples.push_back(sample); }
  std::vector<Sample> samples;
};

template <typename T>
std::vector<T> sorted(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  return values;
}

class NoProxyEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    for (const std::string& name : kProxyVariables) unsetenv(name.c_str());
  }
};

[[maybe_unused]] ::testing::Environment* const kNoProxy =
    ::testing::AddGlobalTestEnvironment(new NoProxyEnvironment);

}  // namespace

ScopedEnvironment::~ScopedEnvironment() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
    if (it->second)
      setenv(it->first.c_str(), it->second->c_str(), 1);
    else
      unsetenv(it->first.c_str());
  }
}

void ScopedEnvironment::set(const std::string& name, const char* value) {
  const char* old = std::getenv(name.c_str());
  saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
  if (value)
    setenv(name.c_str(), value, 1);
  else
    unsetenv(name.c_str());
}

EngineRun runOn(LoadEngine engine, LoadSpec spec, const testing::ScriptedHttpServer* server) {
  spec.engine = engine;
  size_t requestsBefore = server ? server->requests().size() : 0;
  uint64_t connectionsBefore = server ? server->connectionCount() : 0;
  KeepingObserver observer;
  EngineRun run;
  run.result = runLoad(spec, observer, [] { return false; });
  run.samples = std::move(observer.samples);
  if (server) {
    std::vector<std::string> all = server->requests();
    run.wire.assign(all.begin() + static_cast<long>(requestsBefore), all.end());
    std::sort(run.wire.begin(), run.wire.end());
    run.connectionsAccepted = server->connectionCount() - connectionsBefore;
  }
  return run;
}

std::vector<int> sortedCodes(const EngineRun& run) {
  std::vector<int> codes;
  for (const Sample& sample : run.samples) codes.push_back(sample.code);
  return sorted(codes);
}

std::vector<size_t> sortedResponseBytes(const EngineRun& run) {
  std::vector<size_t> bytes;
  for (const Sample& sample : run.samples) bytes.push_back(sample.responseBytes);
  return sorted(bytes);
}

std::vector<std::string> sortedErrors(const EngineRun& run) {
  std::vector<std::string> errors;
  for (const Sample& sample : run.samples) {
    errors.push_back(sample.error == TransportError::kNone ? "none"
                                                           : transportErrorName(sample.error));
  }
  return sorted(errors);
}

void expectSameOutcome(const EngineRun& curl, const EngineRun& fast) {
  EXPECT_EQ(fast.samples.size(), curl.samples.size()) << "samples: fast vs curl";
  EXPECT_EQ(sortedCodes(fast), sortedCodes(curl)) << "codes: fast vs curl";
  EXPECT_EQ(sortedResponseBytes(fast), sortedResponseBytes(curl))
      << "response body bytes: fast vs curl";
  EXPECT_EQ(sortedErrors(fast), sortedErrors(curl)) << "transport errors: fast vs curl";
  EXPECT_EQ(fast.wire, curl.wire) << "request bytes on the wire: fast vs curl";
}

std::string printable(const std::string& bytes) {
  std::string text;
  for (unsigned char c : bytes) {
    if (c == '\r') {
      text += "\\r";
    } else if (c == '\n') {
      text += "\\n";
    } else if (c == '\\') {
      text += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      text += escaped;
    } else {
      text += static_cast<char>(c);
    }
  }
  return text;
}

}  // namespace iter8::metrics
