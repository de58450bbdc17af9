// How every recorder of lib/fortio keeps the smallest and largest value, as Fortio's Counter
// does: the first value sets both. One definition, so that Min and Max mean the same in the
// Fortio histograms, the exact percentile store and the latency sketch.
#pragma once

namespace iter8::fortio {

// Widens [min, max] to hold `v`; when `first` (nothing recorded yet) `v` sets both.
inline void widenRange(double v, bool first, double& min, double& max) {
  if (first) {
    min = v;
    max = v;
  } else if (v < min) {
    min = v;
  } else if (v > max) {
    max = v;
  }
}

}  // namespace iter8::fortio
