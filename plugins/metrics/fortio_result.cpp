#include "plugins/metrics/fortio_result.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <stdexcept>

#include "lib/duration.h"

namespace iter8::metrics {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

rapidjson::Value text(const std::string& s, Allocator& a) {
  return rapidjson::Value(s, a);
}

// Go's time.Time JSON form (RFC 3339 with microseconds and the local offset).
std::string rfc3339(std::chrono::system_clock::time_point t) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char date[32], offset[8];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
  std::strftime(offset, sizeof offset, "%z", &local);  // +hhmm
  std::string zone = std::string(offset).substr(0, 3) + ":" + std::string(offset).substr(3);
  if (zone == "+00:00") zone = "Z";
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros % 1000000));
  return std::string(date) + fraction + zone;
}

std::string qpsText(double qps) {
  if (qps <= 0) return "max";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", qps);
  return buffer;
}

rapidjson::Value histogramJson(const fortio::Histogram& histogram, Allocator& a) {
  return fortio::histogramDataToJson(histogram.exportData().calcPercentiles(reportedPercentiles()),
                                     a);
}

const rapidjson::Value& member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd())
    throw std::runtime_error(std::string("field '") + name + "' is missing");
  return it->value;
}

void mergeHistogramField(rapidjson::Value& latest, const rapidjson::Value& earlier,
                         const char* name, Allocator& a, fortio::HistogramScale scale = {}) {
  auto mine = latest.FindMember(name);
  auto theirs = earlier.FindMember(name);
  if (mine == latest.MemberEnd() || theirs == earlier.MemberEnd() || theirs->value.IsNull()) return;
  try {
    fortio::HistogramData merged = fortio::mergeHistogramData(
        fortio::histogramDataFromJson(mine->value), fortio::histogramDataFromJson(theirs->value),
        reportedPercentiles(), scale);
    mine->value = fortio::histogramDataToJson(merged, a);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(name) + ": " + e.what());
  }
}

// How two results combine: runs one after the other (loops), or shards of one run at once.
enum class MergeKind { kLaterRun, kConcurrentShard };

void mergeInto(rapidjson::Value& latest, const rapidjson::Value& earlier, Allocator& a,
               MergeKind kind);

int64_t integer(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value& v = member(object, name);
  if (!v.IsNumber()) throw std::runtime_error(std::string("field '") + name + "' is not a number");
  return v.IsInt64() ? v.GetInt64() : static_cast<int64_t>(v.GetDouble());
}

}  // namespace

std::chrono::nanoseconds reportedDuration(const RunDescription& run, const LoadResult& load) {
  if (run.numQueries == 0 && !load.interrupted) return std::max(load.actualDuration, run.duration);
  return load.actualDuration;
}

const std::vector<double>& reportedPercentiles() {
  static const std::vector<double> percentiles{50, 75, 90, 95, 99, 99.9};
  return percentiles;
}

namespace {

rapidjson::Value retCodesJson(const VersionRecorder& recorder, Allocator& a) {
  rapidjson::Value codes(rapidjson::kObjectType);
  for (const auto& [code, count] : recorder.retCodes()) {
    codes.AddMember(text(std::to_string(code), a), rapidjson::Value(static_cast<int64_t>(count)),
                    a);
  }
  return codes;
}

// Ours: why the code -1 requests failed, beside RetCodes.
rapidjson::Value errorReasonsJson(const VersionRecorder& recorder, Allocator& a) {
  rapidjson::Value reasons(rapidjson::kObjectType);
  for (int r = 1; r < kTransportErrorCount; ++r) {
    int64_t n = recorder.transportErrors()[static_cast<size_t>(r)];
    if (n > 0)
      reasons.AddMember(rapidjson::StringRef(transportErrorName(static_cast<TransportError>(r))),
                        rapidjson::Value(n), a);
  }
  return reasons;
}

// Ours: each interrupted run (Ctrl-C, SIGTERM, the task's timeout), so the report can say which
// run stopped, after how long of how long, once runs are merged. Empty when this one was not.
rapidjson::Value interruptionsJson(const RunDescription& run, const LoadResult& load,
                                   Allocator& a) {
  rapidjson::Value interruptions(rapidjson::kArrayType);
  if (!load.interrupted) return interruptions;
  rapidjson::Value one(rapidjson::kObjectType);
  one.AddMember("Run", 1, a);
  one.AddMember("AfterNs", static_cast<int64_t>(load.actualDuration.count()), a);
  one.AddMember("PlannedNs", static_cast<int64_t>(run.duration.count()), a);
  one.AddMember("PlannedRequests", static_cast<uint64_t>(run.numQueries), a);
  one.AddMember("Requests", static_cast<uint64_t>(load.requests), a);
  interruptions.PushBack(one, a);
  return interruptions;
}

// Our fields after Fortio's: how the sending went, and the latency figures that merge.
void addOurFields(rapidjson::Value& out, const RunDescription& run, const LoadResult& load,
                  VersionRecorder& recorder, Allocator& a) {
  // Latency from the intended send time (no coordinated omission).
  out.AddMember("CorrectedDurationHistogram", histogramJson(recorder.correctedDurations(), a), a);
  out.AddMember("LateSends", static_cast<uint64_t>(load.lateSends), a);
  out.AddMember("MaxLagNs", static_cast<int64_t>(load.maxLag.count()), a);
  out.AddMember("Unsent", static_cast<uint64_t>(load.unsent), a);
  out.AddMember("Interrupted", load.interrupted, a);
  // The engine that sent this run's requests; a merged result names the latest run's.
  out.AddMember("Engine", rapidjson::StringRef(loadEngineName(load.engine)), a);
  out.AddMember("Runs", 1, a);  // load runs folded into this result (see mergeEarlierResult)
  out.AddMember("ExactPercentiles", recorder.exactPercentiles().toJson(reportedPercentiles(), a),
                a);
  // Successful responses' latencies over every run merged so far (ExactPercentiles is this
  // run's only), and how many runs that is: fewer than Runs when the earlier runs were
  // recorded before the sketch existed.
  rapidjson::Value sketch;
  recorder.latencySketch().toJson(sketch, a);
  out.AddMember("LatencySketch", sketch, a);
  out.AddMember("SketchRuns", 1, a);
  out.AddMember("Interruptions", interruptionsJson(run, load, a), a);
}

}  // namespace

rapidjson::Value fortioResultJson(const RunDescription& run, const LoadResult& load,
                                  VersionRecorder& recorder, Allocator& a) {
  rapidjson::Value out(rapidjson::kObjectType);
  std::string requested = run.numQueries > 0
                              ? "exactly " + std::to_string(run.numQueries) + " calls"
                              : formatGoDuration(run.duration);
  if (load.interrupted) requested += ", interrupted after " + std::to_string(load.requests);
  std::chrono::nanoseconds duration = reportedDuration(run, load);
  double seconds = std::chrono::duration<double>(duration).count();

  out.AddMember("RunType", "HTTP", a);
  out.AddMember("Labels", text(run.label, a), a);
  out.AddMember("StartTime", text(rfc3339(load.start), a), a);
  out.AddMember("RequestedQPS", text(qpsText(run.qps), a), a);
  out.AddMember("RequestedDuration", text(requested, a), a);
  out.AddMember("ActualQPS", seconds > 0 ? static_cast<double>(load.requests) / seconds : 0.0, a);
  out.AddMember("ActualDuration", static_cast<int64_t>(duration.count()), a);
  out.AddMember("NumThreads", run.connections, a);
  out.AddMember("Version", text(run.version, a), a);
  out.AddMember("DurationHistogram", histogramJson(recorder.durations(), a), a);
  out.AddMember("ErrorsDurationHistogram", histogramJson(recorder.errorDurations(), a), a);
  out.AddMember("Exactly", static_cast<uint64_t>(run.numQueries), a);
  out.AddMember("Jitter", false, a);
  out.AddMember("RetCodes", retCodesJson(recorder, a), a);
  out.AddMember("ErrorReasons", errorReasonsJson(recorder, a), a);
  out.AddMember("Sizes", fortio::histogramDataToJson(recorder.sizes().exportData(), a), a);
  out.AddMember("URL", text(run.url, a), a);
  out.AddMember("SocketCount", load.socketCount, a);
  out.AddMember("AbortOn", 0, a);
  out.AddMember("HTTPReqTimeOut", static_cast<int64_t>(run.timeout.count()), a);
  addOurFields(out, run, load, recorder, a);
  return out;
}

void mergeEarlierResult(rapidjson::Value& latest, const rapidjson::Value& earlier, Allocator& a) {
  // All or nothing: merge into a copy, so a malformed `earlier` leaves `latest` as it was.
  rapidjson::Value merged(latest, a);
  mergeInto(merged, earlier, a, MergeKind::kLaterRun);
  latest = merged;
}

void addExactPercentilesState(rapidjson::Value& result, const fortio::ExactPercentiles& store,
                              size_t maxSamples, Allocator& a) {
  result.RemoveMember("ExactPercentilesState");
  result.AddMember("ExactPercentilesState", store.state(maxSamples, a), a);
}

std::string ShardExactPercentiles::add(rapidjson::Value& shardResult) {
  auto state = shardResult.FindMember("ExactPercentilesState");
  if (state == shardResult.MemberEnd()) {
    complete_ = false;
    return "its result has no ExactPercentilesState";
  }
  try {
    fortio::ExactPercentiles shard = fortio::ExactPercentiles::fromState(state->value);
    store_.transfer(shard);
  } catch (const std::runtime_error& e) {
    complete_ = false;
    return e.what();
  }
  shardResult.RemoveMember("ExactPercentilesState");  // merged: no need to copy it along
  return "";
}

void ShardExactPercentiles::finish(rapidjson::Value& merged, Allocator& a) {
  merged.RemoveMember("ExactPercentilesState");
  merged.RemoveMember("ExactPercentiles");
  if (!complete_) store_.reset();  // one shard's samples unknown: no percentile is exact
  merged.AddMember("ExactPercentiles", store_.toJson(reportedPercentiles(), a), a);
}

void mergeShardResult(rapidjson::Value& merged, const rapidjson::Value& other, Allocator& a) {
  rapidjson::Value copy(merged, a);
  mergeInto(copy, other, a, MergeKind::kConcurrentShard);
  // Each shard kept its own samples; the union's exact percentiles are not known (the sketch,
  // merged exactly, is the one truth): say so with an empty store rather than one shard's.
  auto exact = copy.FindMember("ExactPercentiles");
  if (exact != copy.MemberEnd()) {
    exact->value = fortio::ExactPercentiles().toJson(reportedPercentiles(), a);
  }
  merged = copy;
}

namespace {

// Adds the counts of an object field such as ErrorReasons; absent on either side is empty.
void mergeCounts(rapidjson::Value& latest, const rapidjson::Value& earlier, const char* name,
                 Allocator& a) {
  auto theirs = earlier.FindMember(name);
  if (theirs == earlier.MemberEnd() || !theirs->value.IsObject()) return;
  if (!latest.HasMember(name))
    latest.AddMember(rapidjson::StringRef(name), rapidjson::Value(rapidjson::kObjectType), a);
  rapidjson::Value& mine = latest[name];
  for (const auto& m : theirs->value.GetObject()) {
    if (!m.value.IsInt64()) continue;
    auto it = mine.FindMember(m.name);
    if (it == mine.MemberEnd()) {
      mine.AddMember(rapidjson::Value(m.name, a), rapidjson::Value(m.value.GetInt64()), a);
    } else if (it->value.IsInt64()) {
      it->value.SetInt64(it->value.GetInt64() + m.value.GetInt64());
    }
  }
}

// Adds the earlier runs' sketch into the latest's, bucket by bucket. An earlier result without
// one (written before the sketch existed) adds nothing: SketchRuns then says how many of the
// Runs the sketch covers.
void mergeSketch(rapidjson::Value& latest, const rapidjson::Value& earlier, Allocator& a,
                 MergeKind kind) {
  auto mine = latest.FindMember("LatencySketch");
  auto theirs = earlier.FindMember("LatencySketch");
  if (mine == latest.MemberEnd() || theirs == earlier.MemberEnd() || theirs->value.IsNull()) return;
  try {
    fortio::LatencySketch merged = fortio::LatencySketch::fromJson(mine->value);
    merged.merge(fortio::LatencySketch::fromJson(theirs->value));
    merged.toJson(mine->value, a);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("LatencySketch: ") + e.what());
  }
  if (kind == MergeKind::kConcurrentShard) return;  // the same run: SketchRuns stays
  auto runs = earlier.FindMember("SketchRuns");
  int64_t earlierRuns =
      runs != earlier.MemberEnd() && runs->value.IsInt64() ? runs->value.GetInt64() : 1;
  latest["SketchRuns"].SetInt64(latest["SketchRuns"].GetInt64() + earlierRuns);
}

// The earlier runs' interruptions, then the latest run's, numbered from the first run.
void mergeInterruptions(rapidjson::Value& latest, const rapidjson::Value& earlier,
                        int64_t earlierRuns, Allocator& a) {
  rapidjson::Value merged(rapidjson::kArrayType);
  auto theirs = earlier.FindMember("Interruptions");
  if (theirs != earlier.MemberEnd() && theirs->value.IsArray()) {
    for (const auto& one : theirs->value.GetArray()) {
      if (one.IsObject()) merged.PushBack(rapidjson::Value(one, a), a);
    }
  }
  for (auto& one : latest["Interruptions"].GetArray()) {
    one["Run"].SetInt64(earlierRuns + 1);
    merged.PushBack(one, a);
  }
  latest["Interruptions"] = merged;
}

void mergeInto(rapidjson::Value& latest, const rapidjson::Value& earlier, Allocator& a,
               MergeKind kind) {
  if (!earlier.IsObject()) throw std::runtime_error("the stored result is not an object");
  const bool shard = kind == MergeKind::kConcurrentShard;
  mergeSketch(latest, earlier, a, kind);
  mergeHistogramField(latest, earlier, "DurationHistogram", a);
  mergeHistogramField(latest, earlier, "ErrorsDurationHistogram", a);
  mergeHistogramField(latest, earlier, "CorrectedDurationHistogram", a);
  mergeHistogramField(latest, earlier, "Sizes", a, fortio::HistogramScale{0, 1});

  // Loops add their durations; shards ran at once, from one origin: the longest is the run's.
  int64_t duration =
      shard ? std::max(integer(latest, "ActualDuration"), integer(earlier, "ActualDuration"))
            : integer(latest, "ActualDuration") + integer(earlier, "ActualDuration");
  latest["ActualDuration"].SetInt64(duration);
  int64_t count = latest["DurationHistogram"]["Count"].GetInt64();
  latest["ActualQPS"].SetDouble(duration > 0 ? count / (static_cast<double>(duration) / 1e9) : 0.0);
  if (!shard) latest["StartTime"].CopyFrom(member(earlier, "StartTime"), a);
  if (shard) {  // the run's connections are every shard's
    latest["NumThreads"].SetInt64(integer(latest, "NumThreads") + integer(earlier, "NumThreads"));
    auto interrupted = earlier.FindMember("Interrupted");
    if (interrupted != earlier.MemberEnd() && interrupted->value.IsBool() &&
        interrupted->value.GetBool()) {
      latest["Interrupted"].SetBool(true);
    }
  }
  latest["SocketCount"].SetInt64(latest["SocketCount"].GetInt64() +
                                 integer(earlier, "SocketCount"));

  std::map<std::string, int64_t> codes;
  const rapidjson::Value* sides[] = {&latest["RetCodes"], &member(earlier, "RetCodes")};
  for (const rapidjson::Value* side : sides) {
    if (!side->IsObject()) throw std::runtime_error("field 'RetCodes' is not an object");
    for (const auto& m : side->GetObject()) {
      if (!m.value.IsNumber()) throw std::runtime_error("RetCodes values must be numbers");
      codes[m.name.GetString()] +=
          m.value.IsInt64() ? m.value.GetInt64() : static_cast<int64_t>(m.value.GetDouble());
    }
  }
  rapidjson::Value merged(rapidjson::kObjectType);
  for (const auto& [code, n] : codes)
    merged.AddMember(text(code, a), rapidjson::Value(static_cast<int64_t>(n)), a);
  latest["RetCodes"] = merged;
  mergeCounts(latest, earlier, "ErrorReasons", a);

  for (const char* counter : {"LateSends", "Unsent"}) {
    auto it = earlier.FindMember(counter);
    if (it != earlier.MemberEnd() && it->value.IsUint64()) {
      latest[counter].SetUint64(latest[counter].GetUint64() + it->value.GetUint64());
    }
  }
  auto lag = earlier.FindMember("MaxLagNs");
  if (lag != earlier.MemberEnd() && lag->value.IsInt64() &&
      lag->value.GetInt64() > latest["MaxLagNs"].GetInt64()) {
    latest["MaxLagNs"].SetInt64(lag->value.GetInt64());
  }
  auto runs = earlier.FindMember("Runs");
  int64_t earlierRuns =
      runs != earlier.MemberEnd() && runs->value.IsInt64() ? runs->value.GetInt64() : 1;
  if (shard) {  // one run: each shard's interruption is the same run's
    mergeInterruptions(latest, earlier, 0, a);
    return;
  }
  mergeInterruptions(latest, earlier, earlierRuns, a);
  if (latest.HasMember("Runs"))
    latest["Runs"].SetInt64(earlierRuns + 1);
  else
    latest.AddMember("Runs", earlierRuns + 1, a);
}

}  // namespace
}  // namespace iter8::metrics
