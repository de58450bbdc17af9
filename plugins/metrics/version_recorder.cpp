#include "plugins/metrics/version_recorder.h"

namespace iter8::metrics {

bool isOkCode(int code) {
  return (code >= 200 && code < 300) || code == 418;
}

VersionRecorder::VersionRecorder() : sizes_(fortio::HistogramScale{0, 1}) {}

void VersionRecorder::onSample(const Sample& sample) {
  if (sample.error == TransportError::kNoDescriptors) {
    ++unsentForDescriptors_;  // the handler's failure, not the version's: kept out of its results
    return;
  }
  durations_.record(sample.latencySeconds);
  correctedDurations_.record(sample.correctedLatencySeconds);
  sizes_.record(static_cast<double>(sample.responseBytes));
  ++retCodes_[sample.code];
  if (isOkCode(sample.code)) {
    okDurations_.record(sample.latencySeconds);
    exact_.record(sample.latencySeconds);
    sketch_.record(sample.latencySeconds);
  } else {
    errorDurations_.record(sample.latencySeconds);
    if (sample.error != TransportError::kNone)
      ++transportErrors_[static_cast<size_t>(sample.error)];
  }
}

}  // namespace iter8::metrics
