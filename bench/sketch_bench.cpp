// What the latency sketch costs, for docs/benchmarks.md: nanoseconds per recorded sample (beside
// the two recorders every sample already went through, Fortio's histogram and the exact
// percentile store), the time of one loop's merge into the status as metrics/collect does it
// (read both from JSON, merge, write back), and the status size after N requests over L loops.
// Not a test: it prints figures.
//
//   iter8_sketch_bench [requests (1000000)] [loops (100)]
//
// Latencies are log-normal between 1 ms and 2 s (median 20 ms), fixed seed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lib/fortio/exact_percentiles.h"
#include "lib/fortio/histogram.h"
#include "lib/fortio/latency_sketch.h"
#include "lib/json.h"

namespace {

using Clock = std::chrono::steady_clock;
using iter8::fortio::LatencySketch;

std::vector<double> latencies(size_t n) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> shape(std::log(0.020), 1.0);
  std::vector<double> out(n);
  for (double& v : out) v = std::clamp(shape(random), 0.001, 2.0);
  return out;
}

template <typename Record>
double nanosPerSample(const std::vector<double>& values, Record record) {
  auto start = Clock::now();
  for (double v : values) record(v);
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(values.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t requests = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  size_t loops = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100;
  if (requests == 0 || loops == 0 || requests < loops) {
    std::fprintf(stderr, "usage: iter8_sketch_bench [requests] [loops], requests >= loops\n");
    return 2;
  }
  std::vector<double> values = latencies(requests);

  LatencySketch sketch;
  iter8::fortio::Histogram histogram;
  iter8::fortio::ExactPercentiles exact;
  double sketchNs = nanosPerSample(values, [&](double v) { sketch.record(v); });
  double histogramNs = nanosPerSample(values, [&](double v) { histogram.record(v); });
  double exactNs = nanosPerSample(values, [&](double v) { exact.record(v); });
  std::printf("record, ns per sample: sketch %.1f, Fortio histogram %.1f, exact store %.1f\n",
              sketchNs, histogramNs, exactNs);

  // The status as loops leave it: each loop's sketch merged into the stored one through JSON.
  rapidjson::Document status;
  LatencySketch().toJson(status, status.GetAllocator());
  size_t perLoop = requests / loops;
  double mergeSeconds = 0, slowestMerge = 0;
  for (size_t loop = 0; loop < loops; ++loop) {
    LatencySketch run;
    for (size_t i = loop * perLoop; i < (loop + 1) * perLoop; ++i) run.record(values[i]);
    rapidjson::Document latest;
    run.toJson(latest, latest.GetAllocator());
    auto start = Clock::now();
    LatencySketch merged = LatencySketch::fromJson(latest);
    merged.merge(LatencySketch::fromJson(status));
    merged.toJson(status, status.GetAllocator());
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    mergeSeconds += seconds;
    slowestMerge = std::max(slowestMerge, seconds);
  }
  LatencySketch final = LatencySketch::fromJson(status);
  std::string text = iter8::toJson(status);
  std::printf("merge of one loop into the status: mean %.1f us, slowest %.1f us (%zu loops)\n",
              mergeSeconds / static_cast<double>(loops) * 1e6, slowestMerge * 1e6, loops);
  std::printf("status: %zu bytes of compact JSON, %zu buckets, %llu requests\n", text.size(),
              final.buckets().size(), static_cast<unsigned long long>(final.count()));
  std::vector<double> sorted(values.begin(), values.begin() + static_cast<long>(perLoop * loops));
  std::sort(sorted.begin(), sorted.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    size_t rank = static_cast<size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
    double truth = sorted[std::max<size_t>(rank, 1) - 1];
    std::printf("p%g: sketch %.4f ms, exact %.4f ms, relative error %+.3f %%\n", p,
                final.percentile(p) * 1e3, truth * 1e3,
                100 * (final.percentile(p) - truth) / truth);
  }
  return 0;
}
