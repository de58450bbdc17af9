// The Iter8 latency scale (seconds, 1 ms resolution), agreement with a real Fortio result,
// the JSON round trip and the merge of exported histograms.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <rapidjson/writer.h>

#include "lib/fortio/histogram.h"
#include "lib/go_json.h"
#include "lib/json.h"

namespace iter8::fortio {
namespace {

TEST(LatencyHistogram, BoundariesAreFortios) {
  std::vector<int32_t> expected;
  for (int v = 0; v <= 11; ++v) expected.push_back(v);
  for (int v = 12; v <= 20; v += 2) expected.push_back(v);
  for (int v = 25; v <= 50; v += 5) expected.push_back(v);
  for (int v = 60; v <= 100; v += 10) expected.push_back(v);
  for (int v = 120; v <= 200; v += 20) expected.push_back(v);
  for (int v = 250; v <= 500; v += 50) expected.push_back(v);
  for (int v = 600; v <= 1000; v += 100) expected.push_back(v);
  for (int v : {2000, 3000, 4000, 5000, 7500, 10000, 20000, 30000, 40000, 50000, 75000, 100000}) {
    expected.push_back(v);
  }
  const auto& actual = Histogram::boundaries();
  EXPECT_EQ(std::vector<int32_t>(actual.begin(), actual.end()), expected);
  EXPECT_EQ(Histogram::kNumBuckets, 57);
}

TEST(LatencyHistogram, SecondsOnMillisecondBoundariesGoToTheLowerBucket) {
  Histogram h;  // offset 0, divider 0.001
  // 0.003 / 0.001 is 3.0000000000000004 and 0.009 / 0.001 is 8.999999999999998: both are
  // on a boundary and belong to the bucket that ends there.
  EXPECT_EQ(h.bucketIndex(0.003), 3);
  EXPECT_EQ(h.bucketIndex(0.009), 9);
  EXPECT_EQ(h.bucketIndex(0.0031), 4);
  EXPECT_EQ(h.bucketIndex(0.0), 0);
  EXPECT_EQ(h.bucketIndex(-0.5), 0);
  EXPECT_EQ(h.bucketIndex(1e-16), 0);  // Fortio indexes out of range here; ~0 is "<= 0"
  EXPECT_EQ(h.bucketIndex(100.0), 55);
  EXPECT_EQ(h.bucketIndex(100.001), 56);
  EXPECT_EQ(h.bucketIndex(std::nan("")), 56);
  h.record(0.0085);
  h.record(0.009);
  h.record(0.0095);
  HistogramData e = h.exportData();
  ASSERT_EQ(e.data.size(), 2u);
  EXPECT_EQ(e.data[0].start, 0.0085);
  EXPECT_EQ(e.data[0].end, 0.009000000000000001);  // 0.001 * 9, as in Fortio's output
  EXPECT_EQ(e.data[0].count, 2);
  EXPECT_EQ(e.data[1].start, 0.009000000000000001);
  EXPECT_EQ(e.data[1].end, 0.0095);
}

TEST(LatencyHistogram, RecordNeverAllocatesAndEmptyExportIsFortios) {
  Histogram h;
  rapidjson::Document doc;
  EXPECT_EQ(toJson(histogramDataToJson(h.exportData(), doc.GetAllocator())),
            R"({"Count":0,"Min":0,"Max":0,"Sum":0,"Avg":0,"StdDev":0,"Data":[],)"
            R"("Percentiles":null})");
  EXPECT_EQ(h.print("empty", {50}), "empty : no data\n");
}

// --- the real Fortio 1.11 result in ../shared/reference ---

std::string readReference() {
  std::ifstream in(std::string(ITER8_SHARED_DIR) + "/reference/fortio-output.json");
  if (!in) return "";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The raw text of member `name`'s object value, whitespace removed (no strings inside).
std::string rawObjectWithoutSpaces(const std::string& text, const std::string& name) {
  size_t start = text.find('{', text.find("\"" + name + "\""));
  int depth = 0;
  std::string out;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    if (depth == 0) break;
  }
  return out;
}

rapidjson::Document parseExact(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str());
  EXPECT_FALSE(doc.HasParseError());
  return doc;
}

TEST(FortioReference, DurationHistogramMatchesOurFormatAndArithmetic) {
  const std::string text = readReference();
  if (text.empty()) GTEST_SKIP() << "no ../shared/reference/fortio-output.json to compare with";
  rapidjson::Document doc = parseExact(text);
  const HistogramData ref = histogramDataFromJson(*findMember(doc, "DurationHistogram"));

  EXPECT_EQ(ref.avg, ref.sum / static_cast<double>(ref.count));
  ASSERT_FALSE(ref.data.empty());
  EXPECT_EQ(ref.data.front().start, ref.min);
  EXPECT_EQ(ref.data.back().end, ref.max);
  const Histogram scale;  // our default: seconds, 1 ms buckets
  auto isBoundary = [&](double v) {
    for (int i = 0; i < Histogram::kNumBoundaries; ++i) {
      if (scale.boundaryValue(i) == v) return true;  // bit for bit, e.g. 0.009000000000000001
    }
    return false;
  };
  int64_t total = 0;
  for (size_t i = 0; i < ref.data.size(); ++i) {
    const Bucket& b = ref.data[i];
    total += b.count;
    EXPECT_EQ(b.percent, 100. * static_cast<double>(total) / static_cast<double>(ref.count));
    if (i > 0) {
      EXPECT_TRUE(isBoundary(b.start)) << b.start;
    }
    if (i + 1 < ref.data.size()) {
      EXPECT_TRUE(isBoundary(b.end)) << b.end;
    }
    // A bucket's values are in (start, end]: min and max fall in the first and last.
    if (i == 0) {
      EXPECT_EQ(scale.bucketIndex(ref.min), scale.bucketIndex(b.end));
    }
  }
  EXPECT_EQ(total, ref.count);
  // Fortio's interpolated percentiles, recomputed from its buckets, bit for bit.
  HistogramData recomputed = ref;
  recomputed.percentiles.clear();
  for (const Percentile& p : ref.percentiles) {
    EXPECT_EQ(recomputed.calcPercentile(p.percentile), p.value) << "p" << p.percentile;
  }
  // Rebuilt into our histogram, the export is Fortio's again.
  HistogramData again = Histogram::fromExport(ref).exportData();
  ASSERT_EQ(again.data.size(), ref.data.size());
  for (size_t i = 0; i < ref.data.size(); ++i) {
    EXPECT_EQ(again.data[i].start, ref.data[i].start);
    EXPECT_EQ(again.data[i].end, ref.data[i].end);
    EXPECT_EQ(again.data[i].percent, ref.data[i].percent);
    EXPECT_EQ(again.data[i].count, ref.data[i].count);
  }
  EXPECT_EQ(again.avg, ref.avg);
  EXPECT_NEAR(again.stdDev, ref.stdDev, 1e-12 * ref.stdDev);
}

TEST(FortioReference, JsonRoundTripIsByteForByte) {
  const std::string text = readReference();
  if (text.empty()) GTEST_SKIP() << "no ../shared/reference/fortio-output.json to compare with";
  rapidjson::Document doc = parseExact(text);
  // Sizes and HeaderSizes have "Percentiles": null and integral values.
  for (const char* name : {"DurationHistogram", "Sizes", "HeaderSizes"}) {
    HistogramData data = histogramDataFromJson(*findMember(doc, name));
    rapidjson::Document out;
    EXPECT_EQ(toGoJson(histogramDataToJson(data, out.GetAllocator())),
              rawObjectWithoutSpaces(text, name))
        << name;
  }
}

TEST(GoNumbers, SpelledAsGoDoes) {
  // encoding/json
  EXPECT_EQ(formatGoJsonNumber(20), "20");
  EXPECT_EQ(formatGoJsonNumber(-0.5), "-0.5");
  EXPECT_EQ(formatGoJsonNumber(0.001 * 18), "0.018000000000000002");
  EXPECT_EQ(formatGoJsonNumber(123456789012.0), "123456789012");
  EXPECT_EQ(formatGoJsonNumber(1e20), "100000000000000000000");
  EXPECT_EQ(formatGoJsonNumber(1e21), "1e+21");
  EXPECT_EQ(formatGoJsonNumber(1.5e300), "1.5e+300");
  EXPECT_EQ(formatGoJsonNumber(0.000001), "0.000001");
  EXPECT_EQ(formatGoJsonNumber(1e-7), "1e-7");
  EXPECT_EQ(formatGoJsonNumber(-2.5e-10), "-2.5e-10");
  EXPECT_EQ(formatGoJsonNumber(std::nan("")), "null");
  // fmt %g
  EXPECT_EQ(formatGoG(200000), "200000");
  EXPECT_EQ(formatGoG(1e6), "1e+06");
  EXPECT_EQ(formatGoG(1234567), "1.234567e+06");
  EXPECT_EQ(formatGoG(0.0001), "0.0001");
  EXPECT_EQ(formatGoG(0.00001), "1e-05");
  EXPECT_EQ(formatGoG(46.666666666666664), "46.666666666666664");
  EXPECT_EQ(formatGoG(-977), "-977");
  // Writers: doubles spelled as above, inside RapidJSON's layout.
  rapidjson::Document doc = parseJson(R"({"a":[20.0,0.018000000000000002,1e-7],"b":{}})");
  EXPECT_EQ(toGoJson(doc), R"({"a":[20,0.018000000000000002,1e-7],"b":{}})");
  EXPECT_EQ(toGoPrettyJson(doc, 1),
            "{\n \"a\": [\n  20,\n  0.018000000000000002,\n  1e-7\n ],\n \"b\": {}\n}");
}

TEST(HistogramJson, ReadErrorsNameTheMember) {
  auto read = [](const char* json) {
    try {
      histogramDataFromJson(parseJson(json));
    } catch (const HistogramJsonError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(read("[]"), "histogram must be an object, not array");
  EXPECT_EQ(read(R"({"Count":1})"), "histogram has no member Min");
  EXPECT_EQ(read(R"({"Count":1.5})"), "histogram.Count must be an integer");
  EXPECT_EQ(read(R"({"Count":1,"Min":1,"Max":1,"Sum":1,"Avg":1,"StdDev":0,"Data":[{"Start":1}]})"),
            "histogram.Data[0] has no member End");
  EXPECT_EQ(read(R"({"Count":0,"Min":0,"Max":0,"Sum":0,"Avg":0,"StdDev":"x"})"),
            "histogram.StdDev must be a number, not string");
  EXPECT_EQ(read(R"({"Count":0,"Min":0,"Max":0,"Sum":0,"Avg":0,"StdDev":0})"), "no error");
}

// --- merge ---

HistogramData exportOf(const std::vector<double>& values, const std::vector<double>& percentiles) {
  Histogram h;
  for (double v : values) h.record(v);
  return h.exportData().calcPercentiles(percentiles);
}

// Through JSON, as merged results come from an experiment's status.
HistogramData viaJson(const HistogramData& data) {
  rapidjson::Document doc;
  std::string text = toJson(histogramDataToJson(data, doc.GetAllocator()));
  return histogramDataFromJson(parseExact(text));
}

void expectNear(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, 1e-9 * std::max(std::fabs(expected), 1e-9)) << what;
}

void expectSameHistogram(const HistogramData& merged, const HistogramData& direct) {
  EXPECT_EQ(merged.count, direct.count);
  EXPECT_EQ(merged.min, direct.min);
  EXPECT_EQ(merged.max, direct.max);
  expectNear(merged.sum, direct.sum, "Sum");
  expectNear(merged.avg, direct.avg, "Avg");
  expectNear(merged.stdDev, direct.stdDev, "StdDev");
  ASSERT_EQ(merged.data.size(), direct.data.size());
  for (size_t i = 0; i < direct.data.size(); ++i) {
    EXPECT_EQ(merged.data[i].start, direct.data[i].start) << "bucket " << i;
    EXPECT_EQ(merged.data[i].end, direct.data[i].end) << "bucket " << i;
    EXPECT_EQ(merged.data[i].percent, direct.data[i].percent) << "bucket " << i;
    EXPECT_EQ(merged.data[i].count, direct.data[i].count) << "bucket " << i;
  }
  ASSERT_EQ(merged.percentiles.size(), direct.percentiles.size());
  for (size_t i = 0; i < direct.percentiles.size(); ++i) {
    EXPECT_EQ(merged.percentiles[i].percentile, direct.percentiles[i].percentile);
    expectNear(merged.percentiles[i].value, direct.percentiles[i].value, "percentile");
  }
}

struct MergeCase {
  const char* name;
  std::vector<double> a;
  std::vector<double> b;
};

std::vector<MergeCase> mergeCases() {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(0.02), 0.8);  // ~20 ms, long tail
  std::uniform_real_distribution<double> fast(0.0005, 0.012);
  std::vector<double> tail, quick, boundaries, huge;
  for (int i = 0; i < 3000; ++i) tail.push_back(latency(rng));
  for (int i = 0; i < 2000; ++i) quick.push_back(fast(rng));
  for (int i = 0; i < Histogram::kNumBoundaries; ++i) {
    boundaries.push_back(0.001 * Histogram::boundaries()[static_cast<size_t>(i)]);
  }
  huge = {150.0, 0.25, 101.5, 99.999, 100.0};  // the "> 100 s" bucket
  return {
      {"overlapping", tail, quick},
      {"disjoint", {0.0011, 0.0012, 0.0019}, {0.3, 0.31, 0.7, 4.2}},
      {"on boundaries", boundaries, quick},
      {"overflow bucket on both sides", huge, {120.0, 0.002, 300.0}},
      {"single value each", {0.005}, {0.005}},
      {"single bucket each", {0.0051, 0.0052, 0.0055}, {0.0058, 0.006}},
      {"one single bucket side", {0.0045}, tail},
      {"zero and negative", {0.0, -0.001, 0.004}, {0.0, 0.002}},
      {"empty right", tail, {}},
      {"empty left", {}, quick},
      {"both empty", {}, {}},
  };
}

TEST(HistogramMerge, EqualsTheHistogramOfTheUnion) {
  const std::vector<double> percentiles = {50, 75, 90, 95, 99, 99.9};
  for (const MergeCase& c : mergeCases()) {
    SCOPED_TRACE(c.name);
    std::vector<double> all = c.a;
    all.insert(all.end(), c.b.begin(), c.b.end());
    HistogramData direct = exportOf(all, percentiles);
    HistogramData merged = mergeHistogramData(viaJson(exportOf(c.a, percentiles)),
                                              viaJson(exportOf(c.b, percentiles)));
    expectSameHistogram(merged, direct);
    // And in the other order.
    expectSameHistogram(mergeHistogramData(exportOf(c.b, percentiles), exportOf(c.a, percentiles)),
                        direct);
  }
}

TEST(HistogramMerge, ToleratesLastDigitParseErrors) {
  // lib/json.h's parseJson uses RapidJSON's default (not full precision) number parsing,
  // which can be one ulp off: bucket bounds must still be recognised.
  const MergeCase c = mergeCases()[0];
  rapidjson::Document doc;
  auto viaParseJson = [&](const std::vector<double>& values) {
    std::string text = toGoJson(histogramDataToJson(exportOf(values, {}), doc.GetAllocator()));
    return histogramDataFromJson(parseJson(text));
  };
  std::vector<double> all = c.a;
  all.insert(all.end(), c.b.begin(), c.b.end());
  HistogramData direct = exportOf(all, {});
  HistogramData merged = mergeHistogramData(viaParseJson(c.a), viaParseJson(c.b));
  EXPECT_EQ(merged.count, direct.count);
  EXPECT_NEAR(merged.min, direct.min, 1e-15);
  EXPECT_NEAR(merged.max, direct.max, 1e-15);
  ASSERT_EQ(merged.data.size(), direct.data.size());
  for (size_t i = 0; i < direct.data.size(); ++i) {
    EXPECT_EQ(merged.data[i].count, direct.data[i].count);
  }
}

TEST(HistogramMerge, AddsEqualBucketsInsteadOfAppendingThem) {
  HistogramData a = exportOf({0.0015, 0.0032, 0.0033, 0.045}, {50});
  HistogramData twice = mergeHistogramData(a, a);
  ASSERT_EQ(twice.data.size(), a.data.size());
  for (size_t i = 0; i < a.data.size(); ++i) {
    EXPECT_EQ(twice.data[i].count, 2 * a.data[i].count);
    EXPECT_EQ(twice.data[i].percent, a.data[i].percent);
  }
  EXPECT_EQ(twice.count, 8);
  EXPECT_EQ(twice.stdDev, a.stdDev);
  ASSERT_EQ(twice.percentiles.size(), 1u);
  EXPECT_EQ(twice.percentiles[0].value, a.percentiles[0].value);
}

TEST(HistogramMerge, PercentilesComeFromEitherSideOrTheCaller) {
  HistogramData a = exportOf({0.001, 0.002}, {50, 90});
  HistogramData b = exportOf({0.003}, {90, 99});
  HistogramData merged = mergeHistogramData(a, b);
  std::vector<double> listed;
  for (const Percentile& p : merged.percentiles) listed.push_back(p.percentile);
  EXPECT_EQ(listed, (std::vector<double>{50, 90, 99}));
  EXPECT_EQ(mergeHistogramData(a, b, std::vector<double>{75}).percentiles.size(), 1u);
}

TEST(HistogramMerge, RejectsBucketsOffTheBoundaries) {
  HistogramData bad = exportOf({0.0015, 0.0032, 0.045}, {});
  bad.data[1].end = 0.0033;  // not a millisecond boundary
  EXPECT_THROW(mergeHistogramData(bad, bad), std::invalid_argument);
  HistogramData short_ = exportOf({0.0015, 0.0032}, {});
  short_.count = 3;  // buckets hold 2
  EXPECT_THROW(mergeHistogramData(short_, short_), std::invalid_argument);
}

}  // namespace
}  // namespace iter8::fortio
