// Everything measured for one version during one load run: Fortio's histograms, return
// codes and sizes, the corrected (intended-send-time) latencies, why requests got no response,
// and exact percentiles of the successful responses (a refused connection takes microseconds:
// mixing failures in made a dead version look fast).
#pragma once

#include <atomic>
#include <map>
#include <string>

#include "plugins/metrics/exact_percentiles.h"
#include "plugins/metrics/histogram.h"
#include "plugins/metrics/load_generator.h"

namespace iter8::metrics {

// Fortio's OK codes: 2xx, and 418 (Fortio counts "I'm a teapot" as success for its tests).
bool isOkCode(int code);

class VersionRecorder : public SampleObserver {
 public:
  VersionRecorder();

  // Called on the generator's thread for each response; allocates only when a status code is
  // seen for the first time.
  void onSample(const Sample& sample) override;

  const Histogram& durations() const { return durations_; }
  const Histogram& errorDurations() const { return errorDurations_; }
  const Histogram& okDurations() const { return okDurations_; }
  const Histogram& correctedDurations() const { return correctedDurations_; }
  const Histogram& sizes() const { return sizes_; }
  const std::map<int, int64_t>& retCodes() const { return retCodes_; }
  const TransportErrorCounts& transportErrors() const { return transportErrors_; }
  // Successful (isOkCode) responses only.
  ExactPercentiles& exactPercentiles() { return exact_; }

 private:
  Histogram durations_;
  Histogram errorDurations_;
  Histogram okDurations_;
  Histogram correctedDurations_;
  Histogram sizes_;  // response body bytes, Fortio's Sizes scale (offset 0, divider 1)
  std::map<int, int64_t> retCodes_;
  TransportErrorCounts transportErrors_{};
  ExactPercentiles exact_;
};

}  // namespace iter8::metrics
