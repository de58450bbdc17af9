// The exact percentile store (nearest rank, bounded memory) and the allocation-free record
// paths of both stores.
#include "lib/fortio/exact_percentiles.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <random>

#include <gtest/gtest.h>

#include "lib/fortio/histogram.h"
#include "lib/go_json.h"
#include "tests/support/allocation_counter.h"

namespace iter8::fortio {
namespace {

// Nearest rank on a sorted copy: the reference definition.
double nearestRank(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  auto n = static_cast<double>(values.size());
  auto rank = static_cast<int64_t>(std::ceil(p / 100 * n - 1e-9));
  rank = std::clamp<int64_t>(rank, 1, static_cast<int64_t>(values.size()));
  return values[static_cast<size_t>(rank - 1)];
}

double asStored(double v) {
  return static_cast<float>(v);
}

TEST(ExactPercentiles, NearestRankOnSmallSets) {
  ExactPercentiles store;
  EXPECT_EQ(store.percentile(50), 0);  // nothing recorded
  for (double v : {0.005, 0.001, 0.003, 0.002, 0.004}) store.record(v);
  EXPECT_TRUE(store.exact());
  EXPECT_EQ(store.count(), 5);
  EXPECT_EQ(store.percentile(0), asStored(0.001));
  EXPECT_EQ(store.percentile(-3), asStored(0.001));
  EXPECT_EQ(store.percentile(20), asStored(0.001));  // rank ceil(1.0) = 1
  EXPECT_EQ(store.percentile(20.001), asStored(0.002));
  EXPECT_EQ(store.percentile(50), asStored(0.003));  // rank ceil(2.5) = 3
  EXPECT_EQ(store.percentile(80), asStored(0.004));
  EXPECT_EQ(store.percentile(99.9), asStored(0.005));
  EXPECT_EQ(store.percentile(100), asStored(0.005));
  EXPECT_EQ(store.percentile(250), asStored(0.005));

  ExactPercentiles four;
  for (double v : {4., 2., 1., 3.}) four.record(v);
  EXPECT_EQ(four.percentile(50), 2);  // not 2.5: values are always recorded samples
  EXPECT_EQ(four.percentile(75), 3);
  EXPECT_EQ(four.percentile(75.1), 4);

  // Binary fractions must not push a whole rank up: 99.9% of 1000 is rank 999.
  ExactPercentiles thousand;
  for (int i = 1000; i >= 1; --i) thousand.record(i);
  EXPECT_EQ(thousand.percentile(99.9), 999);
  EXPECT_EQ(thousand.percentile(99), 990);
  EXPECT_EQ(thousand.percentile(50), 500);
  EXPECT_EQ(thousand.percentile(0.1), 1);
  EXPECT_EQ(thousand.percentile(0.11), 2);
}

TEST(ExactPercentiles, RecordingAfterAQueryStaysCorrect) {
  ExactPercentiles store;
  for (double v : {3., 1., 2.}) store.record(v);
  EXPECT_EQ(store.percentile(100), 3);
  store.record(0.5);
  store.record(10);
  EXPECT_EQ(store.percentile(0), 0.5);
  EXPECT_EQ(store.percentile(60), 2);
  EXPECT_EQ(store.percentile(100), 10);
}

TEST(ExactPercentiles, SwitchesToTheLogHistogramPastTheLimit) {
  ExactPercentiles store(1000);
  for (int i = 0; i < 1000; ++i) store.record(0.001 * (i + 1));
  EXPECT_TRUE(store.exact()) << "exactly the limit is still exact";
  store.record(0.5);
  EXPECT_FALSE(store.exact());
  EXPECT_EQ(store.count(), 1001);
  EXPECT_EQ(store.min(), 0.001);
  EXPECT_EQ(store.max(), 1.0);
}

TEST(ExactPercentiles, AfterTheSwitchValuesAreWithinTheStatedPrecision) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> latency(std::log(0.02), 1.2);  // 20 ms, long tail
  std::vector<double> values;
  ExactPercentiles store(5000);
  for (int i = 0; i < 200000; ++i) {
    double v = latency(rng);
    values.push_back(v);
    store.record(v);
  }
  ASSERT_FALSE(store.exact());
  for (double p : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    double expected = nearestRank(values, p);
    EXPECT_NEAR(store.percentile(p), expected, ExactPercentiles::kMaxRelativeError * expected)
        << "p" << p;
  }
  EXPECT_EQ(store.percentile(0), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(store.percentile(100), *std::max_element(values.begin(), values.end()));
}

TEST(ExactPercentiles, LogBucketsCoverTheRangeWithinThePrecision) {
  int previous = -1;
  for (double v = std::ldexp(1.0, ExactPercentiles::kMinExponent); v < 8000; v *= 1.0007) {
    int index = ExactPercentiles::logBucketIndex(v);
    ASSERT_GE(index, previous) << v;
    previous = index;
    double mid = ExactPercentiles::logBucketMidpoint(index);
    ASSERT_LE(std::fabs(mid - v), ExactPercentiles::kMaxRelativeError * v) << v;
  }
  EXPECT_EQ(ExactPercentiles::logBucketIndex(0), 0);
  EXPECT_EQ(ExactPercentiles::logBucketIndex(-1), 0);
  EXPECT_EQ(ExactPercentiles::logBucketIndex(1e9), ExactPercentiles::kNumLogBuckets - 1);
}

TEST(ExactPercentiles, StorageNeverGrowsPastTheLimit) {
  const size_t limit = 10000;
  ExactPercentiles store(limit);
  const size_t sampleBytes = limit * sizeof(float);
  const size_t histogramBytes = ExactPercentiles::kNumLogBuckets * sizeof(int64_t);
  size_t largest = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    store.record(0.001 + 1e-7 * i);
    largest = std::max(largest, store.storageBytes());
    if (store.exact()) {
      ASSERT_LE(store.storageBytes(), sampleBytes) << i;
    }
  }
  EXPECT_EQ(store.storageBytes(), histogramBytes) << "samples are freed after the switch";
  EXPECT_LE(largest, std::max(sampleBytes, histogramBytes));
  EXPECT_EQ(ExactPercentiles().sampleLimit(), ExactPercentiles::kDefaultSampleLimit);
}

TEST(ExactPercentiles, TransferCombinesStores) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> latency(std::log(0.01), 0.7);
  auto fill = [&](ExactPercentiles& store, std::vector<double>& all, int n) {
    for (int i = 0; i < n; ++i) {
      double v = latency(rng);
      store.record(v);
      all.push_back(v);
    }
  };
  // Both exact and within the limit: stays exact, every sample kept.
  std::vector<double> all;
  ExactPercentiles a(1000), b(1000);
  fill(a, all, 400);
  fill(b, all, 500);
  a.transfer(b);
  EXPECT_TRUE(a.exact());
  EXPECT_EQ(a.count(), 900);
  EXPECT_EQ(b.count(), 0);
  EXPECT_LE(a.storageBytes(), 1000 * sizeof(float));
  for (double p : {1.0, 50.0, 99.0}) EXPECT_EQ(a.percentile(p), asStored(nearestRank(all, p)));
  // Past the limit (and from a store that already switched): within the precision.
  ExactPercentiles c(1000);
  fill(c, all, 3000);
  ASSERT_FALSE(c.exact());
  a.transfer(c);
  ExactPercentiles empty;
  a.transfer(empty);
  EXPECT_FALSE(a.exact());
  EXPECT_EQ(a.count(), 3900);
  EXPECT_EQ(a.min(), *std::min_element(all.begin(), all.end()));
  for (double p : {1.0, 50.0, 99.0}) {
    double expected = nearestRank(all, p);
    EXPECT_NEAR(a.percentile(p), expected, ExactPercentiles::kMaxRelativeError * expected * 1.001);
  }
  // Into an empty store.
  ExactPercentiles d;
  d.transfer(a);
  EXPECT_EQ(d.count(), 3900);
  EXPECT_EQ(a.count(), 0);
}

TEST(ExactPercentiles, JsonSaysWhichModeAnswered) {
  rapidjson::Document doc;
  ExactPercentiles store(4);
  for (double v : {0.25, 0.5, 0.75, 1.0}) store.record(v);
  EXPECT_EQ(toGoJson(store.toJson({50, 99}, doc.GetAllocator())),
            R"({"Count":4,"Exact":true,"Method":"nearest-rank","MaxRelativeError":0,)"
            R"("Percentiles":[{"Percentile":50,"Value":0.5},{"Percentile":99,"Value":1}]})");
  store.record(2.0);
  EXPECT_EQ(toGoJson(store.toJson({50}, doc.GetAllocator())),
            R"({"Count":5,"Exact":false,"Method":"nearest-rank","MaxRelativeError":0.00390625,)"
            R"("Percentiles":[{"Percentile":50,"Value":0.751953125}]})");
}

TEST(RecordPath, HistogramNeverAllocates) {
  Histogram h;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> latency(0.0, 120.0);
  int64_t before = test::allocationCount();
  for (int i = 0; i < 100000; ++i) h.record(latency(rng));
  EXPECT_EQ(test::allocationCount() - before, 0);
}

TEST(RecordPath, ExactPercentilesAllocatesOnlyToGrowAndToSwitch) {
  const size_t limit = 100000;
  ExactPercentiles store(limit);
  int64_t before = test::allocationCount();
  for (int i = 0; i < 1'000'000; ++i) store.record(0.001 * (i % 5000));
  // Doubling from 1024 up to the limit, then the histogram once.
  int64_t growths = static_cast<int64_t>(std::ceil(std::log2(double(limit) / 1024))) + 1;
  EXPECT_LE(test::allocationCount() - before, growths + 1);
}

}  // namespace
}  // namespace iter8::fortio
