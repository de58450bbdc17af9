#include "host/report/version_latency.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "lib/fortio/latency_sketch.h"
#include "lib/json.h"

namespace iter8::report {
namespace {

int64_t integerOf(const rapidjson::Value& object, const char* name) {
  return integerOr(findMember(object, name));
}

}  // namespace

bool readLatencySketch(const rapidjson::Value& result, const std::string& where,
                       VersionFigures& v) {
  const rapidjson::Value* json = findMember(result, "LatencySketch");
  if (json == nullptr || json->IsNull()) return false;
  fortio::LatencySketch sketch;
  try {
    sketch = fortio::LatencySketch::fromJson(*json);
  } catch (const std::exception& e) {
    throw ReportError(where + ".LatencySketch: " + e.what());
  }
  if (sketch.empty()) return false;
  v.percentilesMs.clear();
  for (double p : reportPercentiles()) v.percentilesMs.push_back(sketch.percentile(p) * 1e3);
  v.fineHistogram.clear();
  for (const auto& [index, count] : sketch.buckets()) {
    // Bucket i holds (gamma^(i-1), gamma^i]; the exact min and max bound the outer ones.
    // Underflow and overflow (below 1 ns, above a day) have no width to draw.
    constexpr double kGamma = fortio::LatencySketch::kGamma;
    double start = std::max(std::pow(kGamma, index - 1), sketch.min());
    double end = std::max(start, std::min(std::pow(kGamma, index), sketch.max()));
    v.fineHistogram.push_back({start * 1e3, end * 1e3, static_cast<int64_t>(count)});
  }
  int64_t runs = integerOf(result, "SketchRuns");
  v.percentileRuns = runs > 0 ? runs : 1;
  v.percentileSource = PercentileSource::kSketch;
  return true;
}

void readInterruptions(const rapidjson::Value& result, VersionFigures& v) {
  v.lateSends = integerOf(result, "LateSends");
  v.unsent = integerOf(result, "Unsent");
  const rapidjson::Value* list = findMember(result, "Interruptions");
  if (list != nullptr && list->IsArray()) {
    for (const auto& one : list->GetArray()) {
      if (!one.IsObject()) continue;
      v.interruptions.push_back({integerOf(one, "Run"), integerOf(one, "AfterNs") / 1e9,
                                 integerOf(one, "PlannedNs") / 1e9,
                                 integerOf(one, "PlannedRequests"), integerOf(one, "Requests")});
    }
    return;
  }
  // Results written before Interruptions existed say only that the last run was interrupted.
  const rapidjson::Value* interrupted = findMember(result, "Interrupted");
  if (interrupted != nullptr && interrupted->IsBool() && interrupted->GetBool()) {
    v.interruptions.push_back({integerOf(result, "Runs"), 0, 0, 0, 0});
  }
}

std::string percentileScope(const VersionFigures& v) {
  const std::string runs = std::to_string(v.runs) + (v.runs == 1 ? " run" : " runs");
  switch (v.percentileSource) {
    case PercentileSource::kNone:
      return "";
    case PercentileSource::kSketch:
      if (v.percentileRuns >= v.runs) return v.runs == 1 ? "1 run" : "all " + runs;
      return "the last " + std::to_string(v.percentileRuns) + " of " + runs;
    case PercentileSource::kExact:
      return "1 run (exact)";
    case PercentileSource::kExactLastRun:
      return "the last run of " + runs + " (exact)";
    case PercentileSource::kHistogram:
      return "histogram of " + runs;
    case PercentileSource::kHistogramWithFailures:
      return "histogram of " + runs + ", failures included";
  }
  return "";
}

namespace {

// 3.2 s, 30 s, 125 s: tenths below 100 s, and no ".0".
std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", s >= 100 ? 0 : 1, s);
  std::string out = text;
  if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
  return out + " s";
}

}  // namespace

std::vector<std::string> interruptionLines(const VersionFigures& v) {
  std::vector<std::string> lines;
  for (const auto& stop : v.interruptions) {
    std::string line =
        "run " + std::to_string(stop.run) + " of " + std::to_string(v.runs) + " stopped";
    if (stop.afterSeconds > 0) {
      line += " after " + seconds(stop.afterSeconds);
      if (stop.plannedSeconds > 0) line += " of " + seconds(stop.plannedSeconds);
    }
    if (stop.plannedRequests > 0) {
      line += " (" + std::to_string(stop.requests) + " of " + std::to_string(stop.plannedRequests) +
              " requests)";
    } else if (stop.afterSeconds > 0) {
      line += " (" + std::to_string(stop.requests) + " responses)";
    }
    lines.push_back(line);
  }
  return lines;
}

std::string sendingTrouble(const VersionFigures& v) {
  std::string out;
  if (v.lateSends > 0) out = std::to_string(v.lateSends) + " sends over 1 ms late";
  if (v.unsent > 0)
    out += (out.empty() ? "" : ", ") + std::to_string(v.unsent) + " sends never made";
  return out;
}

}  // namespace iter8::report
