// The mergeable latency sketch: percentiles within 0.5 % of the true nearest-rank sample on
// many distributions, exact merges in any order, a bounded compact JSON. fromJson's refusal of
// bad input: latency_sketch_json_test.cpp.
#include "lib/fortio/latency_sketch.h"

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "lib/json.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/latency_sketch_checks.h"

namespace iter8::fortio {
namespace {

using test::compactJson;
using test::expectInvariants;
using test::expectSameSketch;
using test::roundTrip;

static_assert(std::is_base_of_v<std::runtime_error, SketchError>);

constexpr double kAlpha = LatencySketch::kRelativeAccuracy;
// The percentiles checked, in tenths so that reference ranks use integer arithmetic only.
const std::vector<int> kTenths = {0, 10, 100, 250, 500, 750, 900, 950, 990, 999, 1000};

// Nearest rank computed independently of the sketch: ceil(tenths * n / 1000), at least 1.
uint64_t rankOf(uint64_t n, int tenths) {
  return std::max<uint64_t>((static_cast<uint64_t>(tenths) * n + 999) / 1000, 1);
}

double nearestRank(const std::vector<double>& sorted, int tenths) {
  return sorted[rankOf(sorted.size(), tenths) - 1];
}

LatencySketch sketchOf(const std::vector<double>& values) {
  LatencySketch s;
  for (double v : values) EXPECT_TRUE(s.record(v));
  return s;
}

// Count, min, max, sum exact; every checked percentile within alpha of the true nearest-rank
// sample (for in-range truths; out-of-range ones must be returned exactly as min or max).
void expectAccurate(const std::vector<double>& values, const LatencySketch& s) {
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(s.count(), values.size());
  ASSERT_FALSE(sorted.empty());
  EXPECT_EQ(s.min(), sorted.front());
  EXPECT_EQ(s.max(), sorted.back());
  double sum = 0;
  for (double v : values) sum += v;
  EXPECT_EQ(s.sum(), sum);  // same additions in the same order
  for (int tenths : kTenths) {
    const double truth = nearestRank(sorted, tenths);
    const double got = s.percentile(tenths / 10.0);
    const uint64_t rank = rankOf(sorted.size(), tenths);
    if (rank == 1 || rank == sorted.size()) {
      EXPECT_EQ(got, truth) << "p" << tenths / 10.0;  // ranks 1 and N are min and max
    } else if (truth < LatencySketch::kMinValue) {
      EXPECT_EQ(got, s.min()) << "p" << tenths / 10.0;
    } else if (truth > LatencySketch::kMaxValue) {
      EXPECT_EQ(got, s.max()) << "p" << tenths / 10.0;
    } else {
      EXPECT_LE(std::fabs(got - truth), kAlpha * truth * (1 + 1e-12))
          << "p" << tenths / 10.0 << " got " << got << " true " << truth;
    }
  }
  expectInvariants(s);
}

// Log-normal latencies with median `median` seconds, kept within [low, high].
std::vector<double> logNormal(size_t n, double median, double sigma, double low, double high,
                              uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(median), sigma);
  std::vector<double> out;
  out.reserve(n);
  while (out.size() < n) {
    const double v = dist(rng);
    if (v >= low && v <= high) out.push_back(v);
  }
  return out;
}

TEST(LatencySketch, ConstantsFollowFromTheAccuracy) {
  EXPECT_DOUBLE_EQ(LatencySketch::kGamma, 1.005 / 0.995);
  // log1p keeps the digits that log(kGamma) loses to kGamma's rounding (1e-16).
  EXPECT_NEAR(LatencySketch::kLogGamma, std::log1p(2 * kAlpha / (1 - kAlpha)), 4e-18);
  EXPECT_NEAR(LatencySketch::kLogGamma, std::log(LatencySketch::kGamma), 2e-16);
  EXPECT_EQ(LatencySketch::kMinIndex,
            std::ceil(std::log(LatencySketch::kMinValue) / LatencySketch::kLogGamma));
  EXPECT_EQ(LatencySketch::kMaxIndex,
            std::ceil(std::log(LatencySketch::kMaxValue) / LatencySketch::kLogGamma));
  EXPECT_EQ(LatencySketch::kNumBuckets, 3210);
  EXPECT_EQ(LatencySketch::bucketIndex(LatencySketch::kMinValue), LatencySketch::kMinIndex);
  EXPECT_EQ(LatencySketch::bucketIndex(LatencySketch::kMaxValue), LatencySketch::kMaxIndex);
  EXPECT_EQ(LatencySketch::bucketIndex(1.0), 0);  // log(1) = 0: bucket 0 is (1/gamma, 1]
}

TEST(LatencySketch, BucketsAreLogarithmicAndTheirValuesWithinAlpha) {
  for (int i : {LatencySketch::kMinIndex + 1, -691, -1, 0, 1, 69, LatencySketch::kMaxIndex}) {
    const double logGamma = std::log1p(2 * kAlpha / (1 - kAlpha));
    const double upper = std::exp(i * logGamma);
    const double lower = std::exp((i - 1) * logGamma);
    EXPECT_EQ(LatencySketch::bucketIndex(upper * (1 - 1e-9)), i) << i;
    EXPECT_EQ(LatencySketch::bucketIndex(lower * (1 + 1e-9)), i) << i;
    if (i < LatencySketch::kMaxIndex) {
      EXPECT_EQ(LatencySketch::bucketIndex(upper * (1 + 1e-9)), i + 1);
    }
    const double value = LatencySketch::bucketValue(i);
    EXPECT_NEAR(value, 2 * upper / (LatencySketch::kGamma + 1), 1e-13 * value);
    // The bound is reached at both edges: that is the guarantee, and it is tight.
    EXPECT_NEAR((upper - value) / upper, kAlpha, 1e-12) << i;
    EXPECT_NEAR((value - lower) / lower, kAlpha, 1e-12) << i;
  }
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-9, std::log10(86400.));
  for (int k = 0; k < 100000; ++k) {
    const double x = std::pow(10., exponent(rng));
    const double value = LatencySketch::bucketValue(LatencySketch::bucketIndex(x));
    ASSERT_LE(std::fabs(value - x), kAlpha * x * (1 + 1e-12)) << x;
  }
}

TEST(LatencySketch, UniformValues) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> dist(0.001, 0.2);
  std::vector<double> values(100000);
  for (double& v : values) v = dist(rng);
  expectAccurate(values, sketchOf(values));
}

TEST(LatencySketch, BimodalValues) {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> fast(0.005, 0.0002), slow(0.045, 0.002);
  std::bernoulli_distribution isSlow(0.1);
  std::vector<double> values(100000);
  for (double& v : values) v = isSlow(rng) ? slow(rng) : fast(rng);
  const LatencySketch s = sketchOf(values);
  expectAccurate(values, s);
  EXPECT_LT(s.percentile(50), 0.006);
  EXPECT_GT(s.percentile(95), 0.035);
}

TEST(LatencySketch, LogNormalValues) {
  const std::vector<double> values = logNormal(200000, 0.02, 1.5, 0, 1e9, 3);
  expectAccurate(values, sketchOf(values));
}

TEST(LatencySketch, ParetoValues) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> values(200000);
  for (double& v : values) v = 0.001 / std::pow(1 - u(rng), 1 / 1.2);  // x_m 1 ms, shape 1.2
  expectAccurate(values, sketchOf(values));
}

TEST(LatencySketch, AllEqualValuesAreExact) {
  const std::vector<double> values(1000, 0.0123);
  const LatencySketch s = sketchOf(values);
  expectAccurate(values, s);
  for (int tenths : kTenths) EXPECT_EQ(s.percentile(tenths / 10.0), 0.0123);  // clamped
  EXPECT_EQ(s.buckets().size(), 1u);
}

TEST(LatencySketch, OneSample) {
  const LatencySketch s = sketchOf({0.25});
  expectAccurate({0.25}, s);
  EXPECT_EQ(s.percentile(50), 0.25);
  EXPECT_EQ(s.sum(), 0.25);
}

TEST(LatencySketch, NearestRankOnSmallSets) {
  const LatencySketch five = sketchOf({0.005, 0.001, 0.003, 0.002, 0.004});
  EXPECT_EQ(five.percentile(0), 0.001);
  EXPECT_EQ(five.percentile(-3), 0.001);
  EXPECT_EQ(five.percentile(20), 0.001);  // rank ceil(1.0) = 1: the minimum, exactly
  EXPECT_NEAR(five.percentile(20.001), 0.002, kAlpha * 0.002);
  EXPECT_NEAR(five.percentile(50), 0.003, kAlpha * 0.003);  // rank ceil(2.5) = 3
  EXPECT_NEAR(five.percentile(80), 0.004, kAlpha * 0.004);
  EXPECT_EQ(five.percentile(80.001), 0.005);
  EXPECT_EQ(five.percentile(250), 0.005);
  EXPECT_THROW(five.percentile(std::nan("")), std::invalid_argument);

  // 1000 values 2.5 % apart (never in one bucket): p99.9 is the 999th, not the 1000th.
  std::vector<double> sorted;
  for (int i = 0; i < 1000; ++i) sorted.push_back(1e-6 * std::pow(1.025, i));
  std::vector<double> values = sorted;
  std::shuffle(values.begin(), values.end(), std::mt19937_64(10));
  const LatencySketch s = sketchOf(values);
  EXPECT_NEAR(s.percentile(99.9), sorted[998], kAlpha * sorted[998]);
  EXPECT_LT(s.percentile(99.9), sorted[999] / 1.02);
  EXPECT_NEAR(s.percentile(0.2), sorted[1], kAlpha * sorted[1]);
  EXPECT_GT(s.percentile(0.2), sorted[0] * 1.02);
  // Every tenth of a percent picks its own rank, also where p/100 * N is computed a hair
  // above an integer (16.1 % of 1000 gives 161.00000000000003, rank 161, not 162).
  for (int tenths = 0; tenths <= 1000; ++tenths) {
    const double truth = nearestRank(sorted, tenths);
    EXPECT_NEAR(s.percentile(tenths / 10.0), truth, kAlpha * truth) << tenths / 10.0;
  }
}

TEST(LatencySketch, ValuesAtTheRangeEndsAreBucketed) {
  const double lo = LatencySketch::kMinValue, hi = LatencySketch::kMaxValue;
  const std::vector<double> values = {lo, lo, lo * 1.001, lo * 1.5, hi / 1.5, hi * 0.999, hi};
  const LatencySketch s = sketchOf(values);
  EXPECT_EQ(s.underflow(), 0u);
  EXPECT_EQ(s.overflow(), 0u);
  EXPECT_EQ(s.bucketCount(LatencySketch::kMinIndex), 3u);
  EXPECT_EQ(s.bucketCount(LatencySketch::kMaxIndex), 2u);
  expectAccurate(values, s);
}

TEST(LatencySketch, OutOfRangeValuesAreCountedNotDropped) {
  std::vector<double> values = {0, -0.5, 1e-12, 5e-10, 2e5, 1e300, -1e300};
  for (int i = 0; i < 93; ++i) values.push_back(0.01 + i * 0.001);
  const LatencySketch s = sketchOf(values);
  EXPECT_EQ(s.count(), 100u);
  EXPECT_EQ(s.underflow(), 5u);
  EXPECT_EQ(s.overflow(), 2u);
  EXPECT_EQ(s.min(), -1e300);
  EXPECT_EQ(s.max(), 1e300);
  uint64_t inBuckets = 0;
  for (const auto& bucket : s.buckets()) inBuckets += bucket.second;
  EXPECT_EQ(inBuckets, 93u);
  expectAccurate(values, s);
  EXPECT_EQ(s.percentile(5), -1e300);  // rank 5: in underflow
  EXPECT_NEAR(s.percentile(6), 0.01, kAlpha * 0.01);
  EXPECT_EQ(s.percentile(98.5), 1e300);  // rank 99: in overflow

  LatencySketch onlyAbove = sketchOf({1e6, 2e6});
  expectAccurate({1e6, 2e6}, onlyAbove);
  EXPECT_EQ(onlyAbove.percentile(50), 1e6);
  EXPECT_TRUE(onlyAbove.buckets().empty());
}

TEST(LatencySketch, NonFiniteValuesAreRefused) {
  LatencySketch s = sketchOf({0.002});
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {std::nan(""), inf, -inf}) EXPECT_FALSE(s.record(v));
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(s.overflow() + s.underflow(), 0u);
  EXPECT_EQ(s.min(), 0.002);
  EXPECT_EQ(s.max(), 0.002);
  EXPECT_EQ(s.sum(), 0.002);
}

TEST(LatencySketch, EmptySketch) {
  const LatencySketch s;
  EXPECT_TRUE(s.empty());
  for (int tenths : kTenths) EXPECT_EQ(s.percentile(tenths / 10.0), 0);
  EXPECT_TRUE(s.buckets().empty());
  EXPECT_EQ(s.storageBytes(), 0u);
  EXPECT_EQ(compactJson(s),
            R"({"RelativeAccuracy":0.005,"Count":0,"Min":0,"Max":0,"Sum":0,"Underflow":0,)"
            R"("Overflow":0,"Buckets":[]})");
  expectSameSketch(roundTrip(s), s);
}

TEST(LatencySketch, JsonFormat) {
  // Binary fractions, so that Sum has short exact digits.
  const LatencySketch s = sketchOf({0.0009765625, 0.001953125, 0.25, 0.001953125, 0, 1e5});
  EXPECT_EQ(compactJson(s),
            R"({"RelativeAccuracy":0.005,"Count":6,"Min":0,"Max":100000,"Sum":100000.2548828125,)"
            R"("Underflow":1,"Overflow":1,"Buckets":[[-693,1],[-623,2],[-138,1]]})");
}

TEST(LatencySketch, JsonRoundTripKeepsEverything) {
  std::vector<double> values = logNormal(50000, 0.02, 2, 0, 1e9, 5);
  values.push_back(0);
  values.push_back(-2);
  values.push_back(1e7);
  const LatencySketch s = sketchOf(values);
  const LatencySketch back = roundTrip(s);
  expectSameSketch(back, s);
  EXPECT_EQ(back.sum(), s.sum());  // shortest round-trip digits read back exactly
  EXPECT_EQ(compactJson(back), compactJson(s));
  for (const LatencySketch& small : {sketchOf({0.125}), sketchOf({3e-10}), sketchOf({5e5})}) {
    expectSameSketch(roundTrip(small), small);
  }
}

TEST(LatencySketch, ANonFiniteSumStillWritesReadableJson) {
  LatencySketch s = sketchOf({1e308, 1e308, 0.5});  // overflow, and Sum overflows to +inf
  ASSERT_TRUE(std::isinf(s.sum()));
  const std::string json = compactJson(s);
  EXPECT_NE(json.find(R"("Sum":1.7976931348623157e+308,)"), std::string::npos) << json;
  const LatencySketch back = LatencySketch::fromJson(parseJson(json));
  EXPECT_EQ(back.sum(), DBL_MAX);
  EXPECT_EQ(back.overflow(), 2u);
  EXPECT_EQ(back.max(), 1e308);

  LatencySketch both = sketchOf({-1e308, -1e308});  // Sum -inf
  both.merge(s);                                    // + inf: NaN
  ASSERT_TRUE(std::isnan(both.sum()));
  EXPECT_EQ(LatencySketch::fromJson(parseJson(compactJson(both))).sum(), 0);
}

std::vector<LatencySketch> parts(const std::vector<double>& values, size_t n) {
  std::vector<LatencySketch> out(n);
  for (size_t i = 0; i < values.size(); ++i) out[i % n].record(values[i]);
  return out;
}

TEST(LatencySketch, MergeInAnyOrderGivesTheSameSketch) {
  std::vector<double> values = logNormal(100000, 0.05, 1.2, 0, 1e9, 6);
  for (double v : {0., -1., 1e-11, 2e5, 7e6}) values.push_back(v);
  std::shuffle(values.begin(), values.end(), std::mt19937_64(7));
  const std::vector<LatencySketch> loops = parts(values, 10);

  LatencySketch forward, backward, shuffled, tree;
  for (const LatencySketch& loop : loops) forward.merge(loop);
  for (auto it = loops.rbegin(); it != loops.rend(); ++it) backward.merge(*it);
  std::vector<size_t> order(loops.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(8));
  for (size_t i : order) shuffled.merge(loops[i]);
  LatencySketch left, right;
  for (size_t i = 0; i < 5; ++i) left.merge(loops[i]);
  for (size_t i = 5; i < 10; ++i) right.merge(loops[i]);
  right.merge(left);
  tree.merge(right);

  const LatencySketch direct = sketchOf(values);
  for (const LatencySketch* merged : {&forward, &backward, &shuffled, &tree}) {
    expectSameSketch(*merged, direct);
  }
  EXPECT_EQ(forward.count(), values.size());
  EXPECT_EQ(forward.underflow(), 3u);
  EXPECT_EQ(forward.overflow(), 2u);
}

TEST(LatencySketch, MergingNCopiesMultipliesTheCounts) {
  std::vector<double> values = logNormal(20000, 0.01, 1, 0, 1e9, 9);
  values.push_back(0);
  values.push_back(1e6);
  const LatencySketch one = sketchOf(values);
  LatencySketch seven;
  for (int i = 0; i < 7; ++i) seven.merge(one);
  EXPECT_EQ(seven.count(), 7 * one.count());
  EXPECT_EQ(seven.underflow(), 7u);
  EXPECT_EQ(seven.overflow(), 7u);
  EXPECT_EQ(seven.min(), one.min());
  EXPECT_EQ(seven.max(), one.max());
  EXPECT_NEAR(seven.sum(), 7 * one.sum(), 1e-12 * seven.sum());
  std::vector<std::pair<int, uint64_t>> expected = one.buckets();
  for (auto& bucket : expected) bucket.second *= 7;
  EXPECT_EQ(seven.buckets(), expected);
  for (int tenths : kTenths) {  // same distribution, same percentiles
    EXPECT_EQ(seven.percentile(tenths / 10.0), one.percentile(tenths / 10.0)) << tenths;
  }

  LatencySketch doubled = one;
  doubled.merge(doubled);  // merging into itself
  EXPECT_EQ(doubled.count(), 2 * one.count());
  EXPECT_EQ(doubled.bucketCount(one.buckets()[0].first), 2 * one.buckets()[0].second);
}

TEST(LatencySketch, MergeWithEmptySketches) {
  const LatencySketch data = sketchOf({0.003, 0.7, 0.0001});
  LatencySketch intoEmpty;
  intoEmpty.merge(data);
  expectSameSketch(intoEmpty, data);
  LatencySketch withEmpty = data;
  withEmpty.merge(LatencySketch());
  expectSameSketch(withEmpty, data);
  LatencySketch empty;
  empty.merge(LatencySketch());
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.min(), 0);
}

TEST(LatencySketch, MergeRefusesACountPast64Bits) {
  LatencySketch full = LatencySketch::fromJson(
      parseJson(R"({"RelativeAccuracy":0.005,"Count":18446744073709551615,"Min":0,"Max":0,"Sum":0,)"
                R"("Underflow":18446744073709551615,"Overflow":0,"Buckets":[]})"));
  const LatencySketch one = sketchOf({0.001});
  try {
    full.merge(one);
    FAIL() << "merged past 2^64";
  } catch (const SketchError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("Count: ", 0), 0u) << e.what();
  }
  EXPECT_EQ(full.count(), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(full.buckets().empty());
}

TEST(LatencySketch, MergeRefusesAnotherAccuracyWhenRead) {
  // A sketch of another accuracy can only come from JSON: it is refused there, before any
  // merge, and the message says why.
  try {
    LatencySketch::fromJson(
        parseJson(R"({"RelativeAccuracy":0.01,"Count":0,"Min":0,"Max":0,"Sum":0,"Underflow":0,)"
                  R"("Overflow":0,"Buckets":[]})"));
    FAIL() << "accepted RelativeAccuracy 0.01";
  } catch (const SketchError& e) {
    EXPECT_EQ(std::string(e.what()),
              "RelativeAccuracy: expected 0.005 (sketches of other accuracies cannot be merged), "
              "got 0.01");
  }
}

TEST(LatencySketch, CompactJsonOfAMillionRequestsOverAHundredLoopsStaysUnder16KB) {
  // 100 loops of 10,000 requests, log-normal between 1 ms and 2 s; as in an experiment, each
  // loop's sketch is merged into the one read back from the status, which is written again.
  std::string status;
  std::vector<double> all;
  all.reserve(1000000);
  size_t largest = 0;
  for (uint64_t loop = 0; loop < 100; ++loop) {
    const std::vector<double> values = logNormal(10000, 0.03, 1.0, 0.001, 2, 100 + loop);
    all.insert(all.end(), values.begin(), values.end());
    LatencySketch merged =
        status.empty() ? LatencySketch() : LatencySketch::fromJson(parseJson(status));
    merged.merge(sketchOf(values));
    status = compactJson(merged);
    largest = std::max(largest, status.size());
  }
  const LatencySketch last = LatencySketch::fromJson(parseJson(status));
  std::cout << "compact JSON of 1,000,000 requests in 100 loops: " << status.size() << " bytes, "
            << last.buckets().size() << " buckets\n";
  RecordProperty("JsonBytes", static_cast<int>(status.size()));
  EXPECT_EQ(last.count(), 1000000u);
  EXPECT_LE(largest, 16u * 1024);
  std::vector<double> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  for (int tenths : kTenths) {
    const double truth = nearestRank(sorted, tenths);
    EXPECT_LE(std::fabs(last.percentile(tenths / 10.0) - truth), kAlpha * truth * (1 + 1e-12));
  }
  EXPECT_EQ(last.min(), sorted.front());
  EXPECT_EQ(last.max(), sorted.back());
}

TEST(LatencySketch, JsonSizeDependsOnTheSpreadNotOnTheRequests) {
  // The worst spread for size between 1 ms and 2 s: log-uniform, every one of the 761 buckets
  // used. The header promises under 12 KB up to 10 million requests (7-digit counts).
  std::mt19937_64 rng(14);
  std::uniform_real_distribution<double> exponent(std::log(0.001), std::log(2.0));
  LatencySketch s;
  for (int i = 0; i < 1000000; ++i) s.record(std::exp(exponent(rng)));
  const size_t million = compactJson(s).size();
  EXPECT_EQ(s.buckets().size(), 761u);
  EXPECT_LE(million, 12u * 1024);
  LatencySketch tenMillion;
  for (int i = 0; i < 10; ++i) tenMillion.merge(s);
  EXPECT_LE(compactJson(tenMillion).size(), 12u * 1024);
  // Ten times the requests: one more digit per bucket count, a few in Count and Sum.
  EXPECT_LE(compactJson(tenMillion).size(), million + 761 + 16);
  std::cout << "compact JSON, log-uniform 1 ms .. 2 s: " << million << " bytes for 1,000,000 "
            << "requests, " << compactJson(tenMillion).size() << " for 10,000,000\n";
}

TEST(LatencySketch, RecordDoesNotAllocateAfterWarmUp) {
  LatencySketch s;
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> exponent(std::log(0.001), std::log(2.0));
  // Growth: the span at least doubles each time, so even values spread over the whole range
  // cost a handful of allocations.
  const int64_t before = test::allocationCount();
  s.record(0.03);
  s.record(LatencySketch::kMinValue);
  s.record(LatencySketch::kMaxValue);
  for (int i = 0; i < 1000; ++i) s.record(std::exp(exponent(rng)));
  EXPECT_LE(test::allocationCount() - before, 4);
  EXPECT_LE(s.storageBytes(), LatencySketch::kNumBuckets * sizeof(uint64_t));
  const int64_t warm = test::allocationCount();
  for (int i = 0; i < 100000; ++i) s.record(std::exp(exponent(rng)));
  s.record(0);
  s.record(1e9);
  EXPECT_EQ(test::allocationCount(), warm);

  LatencySketch fresh;  // a realistic spread grows a few times, not once per bucket
  const int64_t start = test::allocationCount();
  for (int i = 0; i < 100000; ++i) fresh.record(std::exp(exponent(rng)));
  EXPECT_LE(test::allocationCount() - start, 6);
  EXPECT_LE(fresh.storageBytes(), LatencySketch::kNumBuckets * sizeof(uint64_t));
}

}  // namespace
}  // namespace iter8::fortio
