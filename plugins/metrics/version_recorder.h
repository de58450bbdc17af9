// Everything measured for one version during one load run: Fortio's histograms, return
// codes and sizes, the corrected (intended-send-time) latencies, why requests got no response,
// and exact percentiles of the successful responses (a refused connection takes microseconds:
// mixing failures in made a dead version look fast).
#pragma once

#include <atomic>
#include <map>
#include <string>

#include "lib/fortio/exact_percentiles.h"
#include "lib/fortio/histogram.h"
#include "lib/fortio/latency_sketch.h"
#include "plugins/metrics/loadgen/load_generator.h"

namespace iter8::metrics {

// Fortio's OK codes: 2xx, and 418 (Fortio counts "I'm a teapot" as success for its tests).
bool isOkCode(int code);

class VersionRecorder : public SampleObserver {
 public:
  VersionRecorder();

  // Called on the generator's thread for each response; allocates only when a status code is
  // seen for the first time.
  void onSample(const Sample& sample) override;

  const fortio::Histogram& durations() const { return durations_; }
  const fortio::Histogram& errorDurations() const { return errorDurations_; }
  const fortio::Histogram& okDurations() const { return okDurations_; }
  const fortio::Histogram& correctedDurations() const { return correctedDurations_; }
  const fortio::Histogram& sizes() const { return sizes_; }
  const std::map<int, int64_t>& retCodes() const { return retCodes_; }
  const TransportErrorCounts& transportErrors() const { return transportErrors_; }
  // Successful (isOkCode) responses only: this run's exact percentiles (the end-of-run line),
  // and the sketch that merges across loops and shards (the status and the report).
  fortio::ExactPercentiles& exactPercentiles() { return exact_; }
  const fortio::LatencySketch& latencySketch() const { return sketch_; }
  // Requests never sent because the handler had no file descriptor left for a socket; they
  // are in none of the figures above (collect fails the task with them instead).
  int64_t unsentForDescriptors() const { return unsentForDescriptors_; }

 private:
  fortio::Histogram durations_;
  fortio::Histogram errorDurations_;
  fortio::Histogram okDurations_;
  fortio::Histogram correctedDurations_;
  fortio::Histogram sizes_;  // response body bytes, Fortio's Sizes scale (offset 0, divider 1)
  std::map<int, int64_t> retCodes_;
  TransportErrorCounts transportErrors_{};
  fortio::ExactPercentiles exact_;
  fortio::LatencySketch sketch_;
  int64_t unsentForDescriptors_ = 0;
};

}  // namespace iter8::metrics
