// Golden tests ported from Fortio's stats/stats_test.go: same inputs, same expected numbers
// and text. Where Fortio later changed behaviour (Avg/StdDev of an empty counter are 0, not
// NaN) the newer expectation is used.
#include "lib/fortio/histogram.h"

#include <random>

#include <gtest/gtest.h>

#include "lib/go_json.h"

namespace iter8::fortio {
namespace {

// Go's json.MarshalIndent(v, "", " "): one space per level.
std::string marshalIndent1(const HistogramData& data) {
  rapidjson::Document doc;
  return toGoPrettyJson(histogramDataToJson(data, doc.GetAllocator()), 1);
}

// Fortio's CheckGenericHistogramDataProperties: true of every non-empty export.
void checkGenericProperties(const HistogramData& e) {
  const size_t n = e.data.size();
  ASSERT_GT(n, 0u) << "unexpected empty histogram";
  EXPECT_EQ(e.data[0].start, e.min) << "first bucket starts at min";
  EXPECT_EQ(e.data[n - 1].end, e.max) << "end of last bucket is max";
  EXPECT_EQ(e.data[n - 1].percent, 100.) << "last bucket is 100%";
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const Bucket& b = e.data[i];
    EXPECT_LE(b.start, b.end) << "End should always be after Start";
    EXPECT_GT(b.count, 0) << "every exported bucket should have data";
    EXPECT_GT(b.percent, 0) << "percentage should always be positive";
    sum += b.count;
    if (i > 0) {
      EXPECT_GE(b.start, e.data[i - 1].end) << "start of next bucket >= end of previous";
      EXPECT_GT(b.percent, e.data[i - 1].percent) << "percentage should be ever increasing";
    }
  }
  EXPECT_EQ(sum, e.count) << "sum in buckets should add up to the counter's count";
}

TEST(FortioStats, Counter) {
  Histogram c(22, 0.1);
  std::string out = c.counter().print("test1c");
  std::string expected = "test1c : count 0 avg 0 +/- 0 min 0 max 0 sum 0\n";
  out += c.print("test1h", {50.0});
  expected += "test1h : no data\n";
  EXPECT_EQ(c.exportData().calcPercentile(50), 0);  // Fortio logs an error and returns 0
  c.record(23.1);
  out += c.counter().print("test2");
  expected += "test2 : count 1 avg 23.1 +/- 0 min 23.1 max 23.1 sum 23.1\n";
  c.record(22.9);
  out += c.counter().print("test3");
  expected += "test3 : count 2 avg 23 +/- 0.1 min 22.9 max 23.1 sum 46\n";
  c.record(23.1);
  c.record(22.9);
  out += c.counter().print("test4");
  expected += "test4 : count 4 avg 23 +/- 0.1 min 22.9 max 23.1 sum 92\n";
  c.record(1023);
  c.record(-977);
  out += c.counter().print("test5");
  const std::string finalExpected = " : count 6 avg 23 +/- 577.4 min -977 max 1023 sum 138\n";
  expected += "test5" + finalExpected;
  EXPECT_EQ(out, expected);
  EXPECT_EQ(c.print("testLogH", {}), "testLogH" + finalExpected +
                                         "# range, mid point, percentile, count\n"
                                         ">= -977 <= 22 , -477.5 , 16.67, 1\n"
                                         "> 22.8 <= 22.9 , 22.85 , 50.00, 2\n"
                                         "> 23 <= 23.1 , 23.05 , 83.33, 2\n"
                                         "> 1022 <= 1023 , 1022.5 , 100.00, 1\n");
}

TEST(FortioStats, TransferCounter) {
  Counter c1, c2, c3;
  c1.record(10);
  c1.record(20);
  c2.record(80);
  c2.record(90);
  Counter c1a = c1;
  Counter c2a = c2;
  std::string out = c1.print("c1 before merge") + c2.print("c2 before merge");
  c1.transfer(c2);
  out += c1.print("mergedC1C2") + c2.print("c2 after merge");
  c2a.transfer(c1a);  // reverse (exercises the min branch)
  out += c2a.print("mergedC2C1");
  c3.transfer(c1);  // into empty: min must be set
  out += c1.print("c1 should now be empty") + c3.print("c3 after merge - 1");
  c3.transfer(c2);  // empty source: no-op
  out += c3.print("c3 after merge - 2");
  EXPECT_EQ(out,
            "c1 before merge : count 2 avg 15 +/- 5 min 10 max 20 sum 30\n"
            "c2 before merge : count 2 avg 85 +/- 5 min 80 max 90 sum 170\n"
            "mergedC1C2 : count 4 avg 50 +/- 35.36 min 10 max 90 sum 200\n"
            "c2 after merge : count 0 avg 0 +/- 0 min 0 max 0 sum 0\n"
            "mergedC2C1 : count 4 avg 50 +/- 35.36 min 10 max 90 sum 200\n"
            "c1 should now be empty : count 0 avg 0 +/- 0 min 0 max 0 sum 0\n"
            "c3 after merge - 1 : count 4 avg 50 +/- 35.36 min 10 max 90 sum 200\n"
            "c3 after merge - 2 : count 4 avg 50 +/- 35.36 min 10 max 90 sum 200\n");
}

TEST(FortioStats, ZeroDivider) {
  EXPECT_THROW(Histogram(0, 0), std::invalid_argument);
}

TEST(FortioStats, Histogram) {
  Histogram h(0, 10);
  for (double v : {1., 251., 501., 751., 1001.}) h.record(v);
  HistogramData e = h.exportData();
  EXPECT_EQ(h.counter().avg(), 501);
  const std::vector<std::pair<double, double>> cases = {
      {-1, 1},                                                   // not valid but should return min
      {0, 1},           {0.1, 1},         {1, 1},      {20, 1},  // 20% = the first point
      {20.01, 250.025},  // near beginning of bucket of 2nd pt
      {39.99, 299.975}, {40, 300},        {50, 550},   {75, 775},   {90, 1000.5},
      {99, 1000.95},    {99.9, 1000.995}, {100, 1001}, {101, 1001},
  };
  for (const auto& [p, expected] : cases) EXPECT_EQ(e.calcPercentile(p), expected) << "p" << p;
}

TEST(FortioStats, Percentiles1) {
  Histogram h(0, 10);
  h.record(10);
  h.record(20);
  h.record(30);
  HistogramData e = h.exportData();
  EXPECT_EQ(h.counter().avg(), 20);
  const std::vector<std::pair<double, double>> cases = {
      {-1, 10},        {0, 10},     {0.1, 10},       {1, 10},
      {20, 10},        {33.33, 10}, {100 / 3, 10},  // integer division, as in Go
      {33.34, 10.002}, {50, 15},    {66.66, 19.998}, {100. * 2 / 3, 20},
      {66.67, 20.001}, {75, 22.5},  {99, 29.7},      {99.9, 29.97},
      {100, 30},       {101, 30},
  };
  for (const auto& [p, expected] : cases) {
    double actual = e.calcPercentile(p);
    double rounded = static_cast<double>(static_cast<int64_t>(actual * 100000 + 0.5)) / 100000.;
    EXPECT_EQ(rounded, expected) << "p" << p << " got " << actual;
  }
}

TEST(FortioStats, HistogramData) {
  Histogram h(0, 1);
  h.record(-1);
  h.recordN(0, 3);
  for (double v : {1., 2., 3., 4.}) h.record(v);
  h.recordN(5, 2);
  HistogramData e = h.exportData().calcPercentiles({0, 1, 10, 25, 40, 50, 60, 70, 80, 90, 99, 100});
  EXPECT_EQ(e.count, 10);
  EXPECT_EQ(e.avg, 1.9);
  const std::vector<double> expected = {-1, -1, -1, -0.5, 0, 1, 2, 3, 4, 4.5, 4.95, 5};
  ASSERT_EQ(e.percentiles.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(e.percentiles[i].value, expected[i]) << "p" << e.percentiles[i].percentile;
  }
}

TEST(FortioStats, HistogramExport1) {
  Histogram h(0, 10);
  HistogramData e = h.exportData();
  EXPECT_EQ(e.count, 0);
  EXPECT_EQ(e.data.size(), 0u);
  for (double v : {-137.4, 251., 501., 751., 1001.67}) h.record(v);
  e = h.exportData().calcPercentiles({50, 99, 99.9});
  EXPECT_EQ(e.count, 5);
  EXPECT_EQ(e.min, -137.4);
  EXPECT_EQ(e.max, 1001.67);
  EXPECT_EQ(e.data.size(), 5u);
  checkGenericProperties(e);
  EXPECT_EQ(e.stdDev, 394.8242896074151);
  EXPECT_EQ(marshalIndent1(e), R"({
 "Count": 5,
 "Min": -137.4,
 "Max": 1001.67,
 "Sum": 2367.27,
 "Avg": 473.454,
 "StdDev": 394.8242896074151,
 "Data": [
  {
   "Start": -137.4,
   "End": 0,
   "Percent": 20,
   "Count": 1
  },
  {
   "Start": 250,
   "End": 300,
   "Percent": 40,
   "Count": 1
  },
  {
   "Start": 500,
   "End": 600,
   "Percent": 60,
   "Count": 1
  },
  {
   "Start": 700,
   "End": 800,
   "Percent": 80,
   "Count": 1
  },
  {
   "Start": 1000,
   "End": 1001.67,
   "Percent": 100,
   "Count": 1
  }
 ],
 "Percentiles": [
  {
   "Percentile": 50,
   "Value": 550
  },
  {
   "Percentile": 99,
   "Value": 1001.5865
  },
  {
   "Percentile": 99.9,
   "Value": 1001.66165
  }
 ]
})");
}

TEST(FortioStats, HistogramExportRandom) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < 2000; ++i) {
    double offset = (unit(rng) - 0.5) * 1000;  // [-500, 500[
    double divider = 100 * (1 - unit(rng));    // ]0, 100]
    int numEntries = 1 + static_cast<int>(unit(rng) * 10000);
    Histogram h(offset, divider);
    double min = 0, max = 0;
    for (int n = 0; n < numEntries; ++n) {
      double v = 3000 * (unit(rng) - 0.25);
      if (n == 0 || v < min) min = n == 0 ? v : std::min(min, v);
      if (n == 0 || v > max) max = n == 0 ? v : std::max(max, v);
      h.record(v);
    }
    HistogramData e = h.exportData().calcPercentiles({0, 50, 100});
    checkGenericProperties(e);
    ASSERT_EQ(h.counter().count, numEntries);
    ASSERT_EQ(h.counter().min, min);
    ASSERT_EQ(h.counter().max, max);
    ASSERT_EQ(e.percentiles[0].value, min) << "p0 should be min";
    ASSERT_EQ(e.percentiles[2].value, max) << "p100 should be max";
    if (testing::Test::HasFailure()) return;
  }
}

TEST(FortioStats, HistogramLastBucket) {
  Histogram h(-1, 1);  // -1 offset so the first bucket is negative values
  for (double v : {-1., 0., 1., 3., 10., 99999., 100000., 200000.}) h.record(v);
  EXPECT_EQ(h.print("testLastBucket", {90}),
            "testLastBucket : count 8 avg 50001.5 +/- 7.071e+04 min -1 max 200000 sum 400012\n"
            "# range, mid point, percentile, count\n"
            ">= -1 <= -1 , -1 , 12.50, 1\n"
            "> -1 <= 0 , -0.5 , 25.00, 1\n"
            "> 0 <= 1 , 0.5 , 37.50, 1\n"
            "> 2 <= 3 , 2.5 , 50.00, 1\n"
            "> 9 <= 10 , 9.5 , 62.50, 1\n"
            "> 74999 <= 99999 , 87499 , 75.00, 1\n"
            "> 99999 <= 200000 , 150000 , 100.00, 2\n"
            "# target 90% 160000\n");
}

TEST(FortioStats, HistogramNegativeNumbers) {
  Histogram h(-10, 1);
  h.record(-10);
  h.record(10);
  EXPECT_EQ(h.print("testHistogramWithNegativeNumbers", {1, 50, 75}),
            "testHistogramWithNegativeNumbers : count 2 avg 0 +/- 10 min -10 max 10 sum 0\n"
            "# range, mid point, percentile, count\n"
            ">= -10 <= -10 , -10 , 50.00, 1\n"
            "> 8 <= 10 , 9 , 100.00, 1\n"
            "# target 1% -10\n"
            "# target 50% -10\n"
            "# target 75% 9\n");
}

TEST(FortioStats, MergeHistogramsWithDifferentScales) {
  Histogram h1(0, 10), h2(2, 100);
  for (double v : {20., 50., 90.}) h1.record(v);
  for (double v : {30., 40., 50.}) h2.record(v);
  Histogram merged = Histogram::merge(h1, h2);
  EXPECT_EQ(merged.print("h1 and h2 merged", {100.}),
            "h1 and h2 merged : count 6 avg 46.666667 +/- 22.11 min 20 max 90 sum 280\n"
            "# range, mid point, percentile, count\n"
            ">= 20 <= 90 , 55 , 100.00, 6\n"
            "# target 100% 90\n");
  EXPECT_EQ(merged.scale().divider, 100);
  EXPECT_EQ(merged.scale().offset, 0);

  Histogram h3(5, 200), h4(2, 100);
  for (double v : {10000., 5000., 9000.}) h3.record(v);
  for (double v : {300., 400., 50.}) h4.record(v);
  merged = Histogram::merge(h3, h4);
  EXPECT_EQ(merged.print("h3 and h4 merged", {100.}),
            "h3 and h4 merged : count 6 avg 4125 +/- 4167 min 50 max 10000 sum 24750\n"
            "# range, mid point, percentile, count\n"
            ">= 50 <= 202 , 126 , 16.67, 1\n"
            "> 202 <= 402 , 302 , 50.00, 2\n"
            "> 5002 <= 6002 , 5502 , 66.67, 1\n"
            "> 8002 <= 9002 , 8502 , 83.33, 1\n"
            "> 9002 <= 10000 , 9501 , 100.00, 1\n"
            "# target 100% 10000\n");
  EXPECT_EQ(merged.scale().divider, 200);
  EXPECT_EQ(merged.scale().offset, 2);
}

TEST(FortioStats, TransferHistogramWithDifferentScales) {
  const std::vector<double> tP = {75.};
  Histogram h1(2, 15), h2(0, 10);
  for (double v : {30., 40., 50.}) h1.record(v);
  for (double v : {20., 23., 90.}) h2.record(v);
  std::string out = h1.print("h1 before merge", tP) + h2.print("h2 before merge", tP);
  h1.transfer(h2);
  out += h1.print("merged h2 -> h1", tP) + h2.print("h2 should now be empty", tP);
  EXPECT_EQ(out,
            "h1 before merge : count 3 avg 40 +/- 8.165 min 30 max 50 sum 120\n"
            "# range, mid point, percentile, count\n"
            ">= 30 <= 32 , 31 , 33.33, 1\n"
            "> 32 <= 47 , 39.5 , 66.67, 1\n"
            "> 47 <= 50 , 48.5 , 100.00, 1\n"
            "# target 75% 47.75\n"
            "h2 before merge : count 3 avg 44.333333 +/- 32.31 min 20 max 90 sum 133\n"
            "# range, mid point, percentile, count\n"
            ">= 20 <= 20 , 20 , 33.33, 1\n"
            "> 20 <= 30 , 25 , 66.67, 1\n"
            "> 80 <= 90 , 85 , 100.00, 1\n"
            "# target 75% 82.5\n"
            "merged h2 -> h1 : count 6 avg 42.166667 +/- 23.67 min 20 max 90 sum 253\n"
            "# range, mid point, percentile, count\n"
            ">= 20 <= 32 , 26 , 50.00, 3\n"
            "> 32 <= 47 , 39.5 , 66.67, 1\n"
            "> 47 <= 62 , 54.5 , 83.33, 1\n"
            "> 77 <= 90 , 83.5 , 100.00, 1\n"
            "# target 75% 54.5\n"
            "h2 should now be empty : no data\n");
}

TEST(FortioStats, TransferHistogram) {
  const std::vector<double> tP = {75};
  Histogram h1(0, 10), h2(0, 10), h3(0, 10);
  h1.record(10);
  h1.record(20);
  h2.record(80);
  h2.record(90);
  Histogram h1a = h1;  // Fortio's Clone
  h1a.record(50);      // extra point so h1a and h1 are distinct
  Histogram h2a = h2;
  std::string out = h1.print("h1 before merge", tP) + h2.print("h2 before merge", tP);
  h1.transfer(h2);
  out += h1.print("merged h2 -> h1", tP) + h2.print("h2 after merge", tP);
  h2a.transfer(h1a);  // reverse (exercises the min branch)
  out += h2a.print("merged h1a -> h2a", tP);
  h3.transfer(h1);  // into empty: min must be set
  out += h1.print("h1 should now be empty", tP) + h3.print("h3 after merge - 1", tP);
  h3.transfer(h2);  // empty source: no-op
  out += h3.print("h3 after merge - 2", tP);
  const std::string merged4 =
      " : count 4 avg 50 +/- 35.36 min 10 max 90 sum 200\n"
      "# range, mid point, percentile, count\n"
      ">= 10 <= 10 , 10 , 25.00, 1\n"
      "> 10 <= 20 , 15 , 50.00, 1\n"
      "> 70 <= 80 , 75 , 75.00, 1\n"
      "> 80 <= 90 , 85 , 100.00, 1\n"
      "# target 75% 80\n";
  EXPECT_EQ(out,
            "h1 before merge : count 2 avg 15 +/- 5 min 10 max 20 sum 30\n"
            "# range, mid point, percentile, count\n"
            ">= 10 <= 10 , 10 , 50.00, 1\n"
            "> 10 <= 20 , 15 , 100.00, 1\n"
            "# target 75% 15\n"
            "h2 before merge : count 2 avg 85 +/- 5 min 80 max 90 sum 170\n"
            "# range, mid point, percentile, count\n"
            ">= 80 <= 80 , 80 , 50.00, 1\n"
            "> 80 <= 90 , 85 , 100.00, 1\n"
            "# target 75% 85\n"
            "merged h2 -> h1" +
                merged4 +
                "h2 after merge : no data\n"
                "merged h1a -> h2a : count 5 avg 50 +/- 31.62 min 10 max 90 sum 250\n"
                "# range, mid point, percentile, count\n"
                ">= 10 <= 10 , 10 , 20.00, 1\n"
                "> 10 <= 20 , 15 , 40.00, 1\n"
                "> 40 <= 50 , 45 , 60.00, 1\n"
                "> 70 <= 80 , 75 , 80.00, 1\n"
                "> 80 <= 90 , 85 , 100.00, 1\n"
                "# target 75% 77.5\n"
                "h1 should now be empty : no data\n"
                "h3 after merge - 1" +
                merged4 + "h3 after merge - 2" + merged4);
}

TEST(FortioStats, NaN) {  // Fortio issue #97: rounding must not make StdDev NaN
  Counter c;
  for (int i = 599713; i > 0; --i) c.record(1281);
  EXPECT_EQ(c.stdDev(), 0.0);
}

TEST(FortioStats, BucketLookUp) {
  const std::vector<std::array<double, 3>> cases = {
      // input, start, end
      {11, 10, 11},           {171, 160, 180},        {180, 160, 180},      {801, 800, 900},
      {900, 800, 900},        {999, 900, 1000},       {999.99, 900, 1000},  {1000, 900, 1000},
      {1000.01, 1000, 2000},  {1001, 1000, 2000},     {1001.1, 1000, 2000}, {1999.99, 1000, 2000},
      {2000, 1000, 2000},     {2001, 2000, 3000},     {2001.1, 2000, 3000}, {75000, 50000, 75000},
      {75000.01, 75000, 1e5}, {99999.99, 75000, 1e5}, {100000, 75000, 1e5}, {100000.01, 1e5, 1e6},
      {100000.99, 1e5, 1e6},  {100001, 1e5, 1e6},     {523477, 1e5, 1e6},
  };
  Histogram h(0, 1);
  for (const auto& [input, start, end] : cases) {
    h.reset();
    h.record(1);
    h.record(1000000);
    h.record(input);
    const Bucket b = h.exportData().data[1];  // a copy: exportData() returns a temporary
    EXPECT_EQ(b.start, start) << input;
    EXPECT_EQ(b.end, end) << input;
  }
}

TEST(FortioStats, AllBucketBoundaries) {
  Histogram h(0, 1);
  const auto& values = Histogram::boundaries();
  for (size_t i = 0; i < values.size(); ++i) {
    double v = values[i];
    h.reset();
    h.record(-1);
    h.recordN(v - 0.01, 50);
    h.recordN(v, 700);          // so the first interval gets 750 (+1 for the first)
    h.recordN(v + 0.01, 1003);  // the second gets 1003 (+1 for the last)
    h.record(1e6);
    HistogramData data = h.exportData();
    size_t first = i == 0 ? 1 : 0;  // the first interval is [min, 0]
    int64_t last = i == values.size() - 1 ? 1 : 0;
    EXPECT_EQ(data.data[1 - first].end, v) << v;
    EXPECT_EQ(data.data[1 - first].count, 750 + static_cast<int64_t>(first)) << v;
    EXPECT_EQ(data.data[2 - first].start, v) << v;
    EXPECT_EQ(data.data[2 - first].count, 1003 + last) << v;
  }
}

}  // namespace
}  // namespace iter8::fortio
