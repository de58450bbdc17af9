#include "host/analysis/sampled_percentiles.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace iter8::analysis {

std::optional<std::array<double, 5>> sampledPercentiles(const std::vector<DurationBucket>& data) {
  // std::mt19937(17) is numpy's init_genrand(17); the double is numpy's random_sample (53 bits
  // from two draws), not std::uniform_real_distribution, whose bits differ.
  std::mt19937 generator(17);
  std::vector<double> sample;
  for (const DurationBucket& b : data) {
    if (b.count <= 0) continue;
    const double lo = 1000.0 * b.start, hi = 1000.0 * b.end, range = hi - lo;
    for (int64_t k = 0; k < 10 * b.count; ++k) {
      const uint32_t a = generator() >> 5, c = generator() >> 6;
      sample.push_back(lo + range * ((a * 67108864.0 + c) / 9007199254740992.0));
    }
  }
  if (sample.empty()) return std::nullopt;
  std::sort(sample.begin(), sample.end());
  const size_t n = sample.size();
  std::array<double, 5> out{};
  for (size_t q = 0; q < kSampledPercentiles.size(); ++q) {
    // numpy <= 1.19 'linear': s[i]*(1-t) + s[j]*t, with idx = q/100 * (n-1).
    const double idx = (kSampledPercentiles[q] / 100.0) * static_cast<double>(n - 1);
    const size_t i = static_cast<size_t>(std::floor(idx));
    const size_t j = std::min(i + 1, n - 1);
    const double t = idx - static_cast<double>(i);
    out[q] = sample[i] * (1.0 - t) + sample[j] * t;
  }
  return out;
}

}  // namespace iter8::analysis
