// The merge of shards' results (mergeShardResult): one set of samples recorded whole and split
// over N shards as the schedule splits them (request k to shard k mod N); the merged shards must
// equal the whole, bucket for bucket and count for count.
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "lib/fortio/latency_sketch.h"
#include "lib/json.h"
#include "plugins/metrics/fortio_result.h"
#include "plugins/metrics/loadgen/send_schedule.h"
#include "plugins/metrics/version_recorder.h"

namespace iter8::metrics {
namespace {

using namespace std::chrono_literals;

std::vector<Sample> samples(size_t n) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(std::log(0.02), 0.6);
  std::uniform_int_distribution<int> kind(0, 99);
  std::vector<Sample> out;
  for (size_t k = 0; k < n; ++k) {
    const double seconds = latency(random);
    const int roll = kind(random);
    Sample s{seconds, seconds * 1.1, 200, 100 + static_cast<size_t>(roll)};
    if (roll < 5) s.code = 503;
    if (roll == 5) {
      s.code = -1;
      s.error = TransportError::kTimeout;
    }
    if (roll == 6) {
      s.code = -1;
      s.error = TransportError::kConnectionRefused;
    }
    out.push_back(s);
  }
  return out;
}

RunDescription description(int connections) {
  return RunDescription{"v1", "http://127.0.0.1/", 500, 2s, 0, connections, 3s, "test"};
}

void expectSameHistogram(const rapidjson::Value& merged, const rapidjson::Value& whole,
                         const char* name) {
  SCOPED_TRACE(name);
  const rapidjson::Value& a = merged[name];
  const rapidjson::Value& b = whole[name];
  EXPECT_EQ(a["Count"].GetInt64(), b["Count"].GetInt64());
  EXPECT_EQ(a["Min"].GetDouble(), b["Min"].GetDouble());
  EXPECT_EQ(a["Max"].GetDouble(), b["Max"].GetDouble());
  EXPECT_NEAR(a["Sum"].GetDouble(), b["Sum"].GetDouble(), 1e-9 * std::abs(b["Sum"].GetDouble()));
  ASSERT_EQ(a["Data"].Size(), b["Data"].Size());
  for (rapidjson::SizeType i = 0; i < a["Data"].Size(); ++i) {
    EXPECT_EQ(a["Data"][i]["Start"].GetDouble(), b["Data"][i]["Start"].GetDouble()) << i;
    EXPECT_EQ(a["Data"][i]["End"].GetDouble(), b["Data"][i]["End"].GetDouble()) << i;
    EXPECT_EQ(a["Data"][i]["Count"].GetInt64(), b["Data"][i]["Count"].GetInt64()) << i;
  }
}

TEST(ShardMerge, TheMergedShardsEqualTheWholeBucketForBucket) {
  const std::vector<Sample> all = samples(5000);
  for (size_t n : {2u, 3u, 4u, 8u}) {
    SCOPED_TRACE(std::to_string(n) + " shards");
    rapidjson::Document doc;
    auto& a = doc.GetAllocator();
    VersionRecorder whole;
    for (const Sample& s : all) whole.onSample(s);
    LoadResult wholeLoad;
    wholeLoad.requests = all.size();
    wholeLoad.actualDuration = 2s;
    wholeLoad.unsent = 3;
    rapidjson::Value expected = fortioResultJson(description(8), wholeLoad, whole, a);

    rapidjson::Value merged;
    for (size_t i = 0; i < n; ++i) {
      VersionRecorder shard;
      LoadResult load;
      for (size_t k = i; k < all.size(); k += n) {
        shard.onSample(all[k]);
        ++load.requests;
      }
      load.actualDuration = 2s - std::chrono::milliseconds(i);  // the longest is the run's
      load.unsent = i == 0 ? 3 : 0;
      rapidjson::Value result = fortioResultJson(
          description(static_cast<int>(sliceShare(8, ScheduleSlice{i, n}))), load, shard, a);
      if (i == 0) {
        merged = result;
      } else {
        mergeShardResult(merged, result, a);
      }
    }
    for (const char* h :
         {"DurationHistogram", "ErrorsDurationHistogram", "CorrectedDurationHistogram", "Sizes"}) {
      expectSameHistogram(merged, expected, h);
    }
    EXPECT_EQ(toJson(merged["RetCodes"]), toJson(expected["RetCodes"]));
    EXPECT_EQ(toJson(merged["ErrorReasons"]), toJson(expected["ErrorReasons"]));
    const auto sketch = fortio::LatencySketch::fromJson(merged["LatencySketch"]);
    const auto wholeSketch = fortio::LatencySketch::fromJson(expected["LatencySketch"]);
    EXPECT_EQ(sketch.buckets(), wholeSketch.buckets());
    EXPECT_EQ(sketch.count(), wholeSketch.count());
    EXPECT_EQ(sketch.min(), wholeSketch.min());
    EXPECT_EQ(sketch.max(), wholeSketch.max());
    for (double p : {50.0, 90.0, 99.0, 99.9}) {
      EXPECT_EQ(sketch.percentile(p), wholeSketch.percentile(p)) << p;
    }
    EXPECT_EQ(merged["ActualDuration"].GetInt64(), expected["ActualDuration"].GetInt64());
    EXPECT_DOUBLE_EQ(merged["ActualQPS"].GetDouble(), expected["ActualQPS"].GetDouble());
    EXPECT_EQ(merged["NumThreads"].GetInt64(), 8);
    EXPECT_EQ(merged["Unsent"].GetUint64(), 3u);
    EXPECT_EQ(merged["Runs"].GetInt64(), 1);
    EXPECT_EQ(merged["SketchRuns"].GetInt64(), 1);
    EXPECT_EQ(merged["ExactPercentiles"]["Count"].GetInt64(), 0);  // per shard only
  }
}

TEST(ShardMerge, AMalformedShardResultLeavesTheMergeAsItWas) {
  rapidjson::Document doc;
  auto& a = doc.GetAllocator();
  VersionRecorder recorder;
  for (const Sample& s : samples(10)) recorder.onSample(s);
  LoadResult load;
  load.requests = 10;
  load.actualDuration = 1s;
  rapidjson::Value merged = fortioResultJson(description(2), load, recorder, a);
  const std::string before = toJson(merged);
  rapidjson::Value bad(merged, a);
  bad.RemoveMember("RetCodes");
  EXPECT_THROW(mergeShardResult(merged, bad, a), std::runtime_error);
  EXPECT_EQ(toJson(merged), before);
}

}  // namespace
}  // namespace iter8::metrics
