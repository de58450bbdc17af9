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
    ShardExactPercentiles exact;
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
      addExactPercentilesState(result, shard.exactPercentiles(), 1u << 20, a);
      EXPECT_EQ(exact.add(result), "");
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
    exact.finish(merged, a);
    // The shards' raw samples merged: the very percentiles of one store fed them all.
    EXPECT_TRUE(merged["ExactPercentiles"]["Exact"].GetBool());
    EXPECT_GT(merged["ExactPercentiles"]["Count"].GetInt64(), 4000);
    EXPECT_EQ(toJson(merged["ExactPercentiles"]), toJson(expected["ExactPercentiles"]));
    EXPECT_FALSE(merged.HasMember("ExactPercentilesState"));
  }
}

// Latencies a float holds exactly: a store keeps float samples before its switch to log buckets
// and records doubles after it, so only such values bucket alike whichever way they arrive.
std::vector<double> floatLatencies(size_t n) {
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> latency(std::log(0.02), 0.8);
  std::vector<double> out;
  for (size_t k = 0; k < n; ++k) out.push_back(static_cast<float>(latency(random)));
  return out;
}

// Each shard's store as the shard ships it (raw samples up to `maxSamples`, else buckets; a
// shard past its own limit has buckets anyway), merged by the coordinator. When every shard
// ships raw samples, or their union is past the coordinator's limit, the merge equals one store
// with that limit fed every sample, exact or not. When a shard ships buckets although the union
// would fit, the merge is bucketed where one store would be exact: it says so (Exact false) and
// stays within the stated error.
TEST(ShardMerge, TheShardsExactPercentilesEqualOneStoreFedAllSamples) {
  const std::vector<double> all = floatLatencies(3000);
  struct Case {
    size_t shards, shardLimit, maxSamples, limit;
    bool exact;  // the merge's
    bool equal;  // to one store's, field for field
  };
  for (const Case& c :
       {Case{4, 1000, 1000, 5000, true, true}, Case{4, 1000, 1000, 2000, false, true},
        Case{8, 200, 1000, 2000, false, true}, Case{3, 1000, 100, 5000, false, false},
        Case{8, 200, 1000, 5000, false, false}}) {
    SCOPED_TRACE(std::to_string(c.shards) + " shards, shard limit " + std::to_string(c.shardLimit) +
                 ", shipped raw up to " + std::to_string(c.maxSamples) + ", coordinator limit " +
                 std::to_string(c.limit));
    rapidjson::Document doc;
    auto& a = doc.GetAllocator();
    fortio::ExactPercentiles whole(c.limit);
    for (double s : all) whole.record(s);
    ShardExactPercentiles merged(c.limit);
    for (size_t i = 0; i < c.shards; ++i) {
      fortio::ExactPercentiles shard(c.shardLimit);
      for (size_t k = i; k < all.size(); k += c.shards) shard.record(all[k]);
      rapidjson::Value result(rapidjson::kObjectType);
      addExactPercentilesState(result, shard, c.maxSamples, a);
      // Through text, as the partial goes through its file.
      rapidjson::Document reread;
      reread.Parse(toJson(result).c_str());
      ASSERT_EQ(merged.add(reread), "");
    }
    rapidjson::Value out(rapidjson::kObjectType);
    merged.finish(out, a);
    EXPECT_EQ(out["ExactPercentiles"]["Exact"].GetBool(), c.exact);
    EXPECT_EQ(out["ExactPercentiles"]["Count"].GetInt64(), 3000);
    if (c.equal) {
      EXPECT_EQ(toJson(out["ExactPercentiles"]), toJson(whole.toJson(reportedPercentiles(), a)));
      continue;
    }
    const rapidjson::Value& values = out["ExactPercentiles"]["Percentiles"];
    for (const auto& entry : values.GetArray()) {
      const double p = entry["Percentile"].GetDouble();
      const double truth = whole.percentile(p);
      EXPECT_NEAR(entry["Value"].GetDouble(), truth,
                  fortio::ExactPercentiles::kMaxRelativeError * truth * 1.001)
          << p;
    }
  }
}

TEST(ShardMerge, AShardWithoutUsableExactPercentilesLeavesThemEmpty) {
  rapidjson::Document doc;
  auto& a = doc.GetAllocator();
  fortio::ExactPercentiles store;
  for (double s : floatLatencies(10)) store.record(s);
  for (const char* damage : {"none", "count", "samples", "bucket"}) {
    SCOPED_TRACE(damage);
    ShardExactPercentiles merged;
    rapidjson::Value good(rapidjson::kObjectType);
    addExactPercentilesState(good, store, 100, a);
    ASSERT_EQ(merged.add(good), "");
    rapidjson::Value bad(rapidjson::kObjectType);
    addExactPercentilesState(bad, store, std::string(damage) == "bucket" ? 0 : 100, a);
    rapidjson::Value& state = bad["ExactPercentilesState"];
    if (std::string(damage) == "none") bad.RemoveMember("ExactPercentilesState");
    if (std::string(damage) == "count") state["Count"].SetInt64(11);
    if (std::string(damage) == "samples") state["Samples"].SetString("not base64!", a);
    if (std::string(damage) == "bucket") state["Buckets"][0][0].SetInt64(1 << 20);
    EXPECT_NE(merged.add(bad), "");
    rapidjson::Value out(rapidjson::kObjectType);
    merged.finish(out, a);
    EXPECT_EQ(out["ExactPercentiles"]["Count"].GetInt64(), 0);
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
