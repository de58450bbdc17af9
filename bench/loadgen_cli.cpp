// iter8_loadgen_cli: runs one load with the iter8 load generator and prints key=value figures
// (rate, latency percentiles, CPU, peak RSS) for bench/loadgen_vs_wrk.sh. Not installed.
// Every sample also goes to metrics/collect's own VersionRecorder (Fortio histograms, exact
// percentiles), so CPU and peak RSS are those of a real collect run.
//
//   iter8_loadgen_cli --url URL [--qps Q] [--connections C] [--duration SECONDS] [--n COUNT]
//                     [--timeout SECONDS] [--engine auto|fast|curl]
#include <sys/resource.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "plugins/metrics/loadgen/load_generator.h"
#include "plugins/metrics/version_recorder.h"

namespace {

using iter8::metrics::LoadResult;
using iter8::metrics::LoadSpec;
using iter8::metrics::Sample;

// Log-scale buckets 1% wide from 1 ns: constant memory whatever the request count, and
// percentiles within 0.5% (the real histogram of metrics/collect lives elsewhere).
class LatencyHistogram {
 public:
  void add(double seconds) {
    double nanos = std::max(1.0, seconds * 1e9);
    auto index = static_cast<size_t>(std::log(nanos) / kLogBase);
    ++counts_[std::min(index, counts_.size() - 1)];
    ++total_;
  }
  double percentileSeconds(double percent) const {
    if (total_ == 0) return 0;
    auto wanted = static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(total_)));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= wanted) return std::exp((static_cast<double>(i) + 0.5) * kLogBase) / 1e9;
    }
    return 0;
  }

 private:
  static constexpr double kLogBase = 0.00995033;  // ln(1.01)
  std::array<uint64_t, 3200> counts_{};           // up to 1.01^3200 ns, about 2.6 hours
  uint64_t total_ = 0;
};

class BenchObserver : public iter8::metrics::SampleObserver {
 public:
  void onSample(const Sample& sample) override {
    recorder.onSample(sample);
    corrected.add(sample.correctedLatencySeconds);
    if (sample.code != 200) ++errors;
  }
  // Latency percentiles come from the recorder's exact store (successful responses, as
  // collect reports them); it keeps no percentile store of corrected latencies, hence this.
  iter8::metrics::VersionRecorder recorder;
  LatencyHistogram corrected;
  uint64_t errors = 0;
};

long peakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto toSeconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return toSeconds(usage.ru_utime) + toSeconds(usage.ru_stime);
}

int usage(const char* program) {
  std::cerr << "usage: " << program
            << " --url URL [--qps Q] [--connections C] [--duration SECONDS] [--n COUNT]"
               " [--timeout SECONDS] [--engine auto|fast|curl]\n";
  return 2;
}

std::chrono::nanoseconds secondsArg(const char* text) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(std::atof(text)));
}

// Reads --flag value pairs into `spec`; false on anything else.
bool parseArgs(int argc, char** argv, LoadSpec& spec) {
  if (argc % 2 == 0) return false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--url") {
      spec.url = value;
    } else if (flag == "--qps") {
      spec.qps = std::atof(value);
    } else if (flag == "--connections") {
      spec.connections = std::atoi(value);
    } else if (flag == "--duration") {
      spec.duration = secondsArg(value);
    } else if (flag == "--n") {
      spec.numQueries = std::strtoull(value, nullptr, 10);
    } else if (flag == "--timeout") {
      spec.timeout = secondsArg(value);
    } else if (flag == "--engine") {
      std::string engine = value;
      if (engine == "fast") {
        spec.engine = iter8::metrics::LoadEngine::kFast;
      } else if (engine == "curl") {
        spec.engine = iter8::metrics::LoadEngine::kCurl;
      } else if (engine != "auto") {
        return false;
      }
    } else {
      return false;
    }
  }
  return !spec.url.empty();
}

// key=value lines that bench/loadgen_vs_wrk.sh reads.
void printResult(const LoadSpec& spec, const LoadResult& result, BenchObserver& observer) {
  double seconds = std::chrono::duration<double>(result.actualDuration).count();
  double achieved = seconds > 0 ? static_cast<double>(result.requests) / seconds : 0;
  std::printf("engine=%s\n", iter8::metrics::loadEngineName(result.engine));
  std::printf("requests=%llu\n", static_cast<unsigned long long>(result.requests));
  std::printf("errors=%llu\n", static_cast<unsigned long long>(observer.errors));
  std::printf("duration_s=%.4f\n", seconds);
  std::printf("achieved_qps=%.2f\n", achieved);
  std::printf("requested_qps=%.2f\n", spec.qps);
  std::printf("late_sends=%llu\n", static_cast<unsigned long long>(result.lateSends));
  std::printf("max_lag_ms=%.3f\n",
              std::chrono::duration<double, std::milli>(result.maxLag).count());
  std::printf("unsent=%llu\n", static_cast<unsigned long long>(result.unsent));
  std::printf("sockets=%d\n", result.socketCount);
  iter8::fortio::ExactPercentiles& latency = observer.recorder.exactPercentiles();
  std::printf("p50_ms=%.3f\n", latency.percentile(50) * 1e3);
  std::printf("p99_ms=%.3f\n", latency.percentile(99) * 1e3);
  std::printf("corrected_p50_ms=%.3f\n", observer.corrected.percentileSeconds(50) * 1e3);
  std::printf("corrected_p99_ms=%.3f\n", observer.corrected.percentileSeconds(99) * 1e3);
  std::printf("cpu_s=%.3f\n", cpuSeconds());
  std::printf("peak_rss_kb=%ld\n", peakRssKb());
}

}  // namespace

int main(int argc, char** argv) {
  LoadSpec spec;
  if (!parseArgs(argc, argv, spec)) return usage(argv[0]);
  BenchObserver observer;
  LoadResult result;
  try {
    result = iter8::metrics::runLoad(spec, observer, [] { return false; });
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
  printResult(spec, result, observer);
  return 0;
}
