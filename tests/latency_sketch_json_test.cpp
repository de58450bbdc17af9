// The latency sketch's fromJson: every kind of bad input refused with a one-line message, and
// randomly corrupted input never crashes.
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lib/fortio/latency_sketch.h"
#include "lib/json.h"
#include "tests/support/latency_sketch_checks.h"

namespace iter8::fortio {
namespace {

using test::expectInvariants;
using test::expectSameSketch;
using test::roundTrip;

const char* const kValid =
    R"({"RelativeAccuracy":0.005,"Count":6,"Min":0,"Max":100000,"Sum":100000.2548828125,)"
    R"("Underflow":1,"Overflow":1,"Buckets":[[-693,1],[-623,2],[-138,1]]})";

struct BadCase {
  const char* what;
  std::function<void(rapidjson::Document&)> change;
  std::string message;  // the whole message; '*' stands for more digits
};

// Whether `text` is `pattern` with each '*' replaced by a run of digits (the last digits of
// bucket edges are libm's).
bool matches(const std::string& text, const std::string& pattern) {
  size_t t = 0;
  for (char c : pattern) {
    if (c == '*') {
      while (t < text.size() && text[t] >= '0' && text[t] <= '9') ++t;
    } else if (t >= text.size() || text[t++] != c) {
      return false;
    }
  }
  return t == text.size();
}

void set(rapidjson::Document& doc, const char* name, const char* jsonText) {
  rapidjson::Document value = parseJson(jsonText);
  doc[name].CopyFrom(value, doc.GetAllocator());
}

TEST(LatencySketchJson, ValidBaseIsAccepted) {
  const LatencySketch s = LatencySketch::fromJson(parseJson(kValid));
  EXPECT_EQ(s.count(), 6u);
  EXPECT_EQ(s.bucketCount(-623), 2u);
  // Unknown members are ignored (forward compatibility), like Go's encoding/json.
  rapidjson::Document doc = parseJson(kValid);
  doc.AddMember("Extra", 1, doc.GetAllocator());
  EXPECT_EQ(LatencySketch::fromJson(doc).count(), 6u);
}

TEST(LatencySketchJson, RejectsEachKindOfBadInput) {
  const std::string countRange = "an integer index in [-2072, 1137]";
  const std::vector<BadCase> cases = {
      {"not an object", [](auto& d) { d.SetArray(); },
       "expected a latency sketch object, got an array of 0"},
      {"missing Count", [](auto& d) { d.RemoveMember("Count"); },
       "Count: missing, expected a non-negative integer"},
      {"Count a string", [](auto& d) { set(d, "Count", R"("6")"); },
       "Count: expected a non-negative integer, got a string"},
      {"Count negative", [](auto& d) { set(d, "Count", "-6"); },
       "Count: expected a non-negative integer, got -6"},
      {"Count fractional", [](auto& d) { set(d, "Count", "6.5"); },
       "Count: expected a non-negative integer, got 6.5"},
      {"Count too large", [](auto& d) { set(d, "Count", "1e30"); },
       "Count: expected a non-negative integer, got 1e+30"},
      {"Underflow null", [](auto& d) { set(d, "Underflow", "null"); },
       "Underflow: expected a non-negative integer, got null"},
      {"Overflow negative", [](auto& d) { set(d, "Overflow", "-1"); },
       "Overflow: expected a non-negative integer, got -1"},
      {"Min a string", [](auto& d) { set(d, "Min", R"("0")"); },
       "Min: expected a finite number, got a string"},
      {"Max missing", [](auto& d) { d.RemoveMember("Max"); },
       "Max: missing, expected a finite number"},
      {"Max NaN", [](auto& d) { d["Max"].SetDouble(std::nan("")); },
       "Max: expected a finite number, got a non-finite number"},
      {"Sum an object", [](auto& d) { set(d, "Sum", "{}"); },
       "Sum: expected a finite number, got an object"},
      {"another accuracy", [](auto& d) { set(d, "RelativeAccuracy", "0.01"); },
       "RelativeAccuracy: expected 0.005 (sketches of other accuracies cannot be merged), got "
       "0.01"},
      {"accuracy a string", [](auto& d) { set(d, "RelativeAccuracy", R"("0.005")"); },
       "RelativeAccuracy: expected 0.005 (sketches of other accuracies cannot be merged), got a "
       "string"},
      {"accuracy missing", [](auto& d) { d.RemoveMember("RelativeAccuracy"); },
       "RelativeAccuracy: missing, expected 0.005"},
      {"Buckets missing", [](auto& d) { d.RemoveMember("Buckets"); },
       "Buckets: missing, expected an array of [index, count] pairs"},
      {"Buckets an object", [](auto& d) { set(d, "Buckets", "{}"); },
       "Buckets: expected an array of [index, count] pairs, got an object"},
      {"bucket not a pair", [](auto& d) { set(d, "Buckets", "[[-693,1,0],[-623,2],[-138,1]]"); },
       "Buckets[0]: expected an [index, count] pair, got an array of 3"},
      {"bucket an object", [](auto& d) { set(d, "Buckets", R"([[-693,1],{"i":1},[-138,1]])"); },
       "Buckets[1]: expected an [index, count] pair, got an object"},
      {"index fractional", [](auto& d) { set(d, "Buckets", "[[-693.5,1],[-623,2],[-138,1]]"); },
       "Buckets[0][0]: expected " + countRange + ", got -693.5"},
      {"index a string", [](auto& d) { set(d, "Buckets", R"([[-693,1],["-623",2],[-138,1]])"); },
       "Buckets[1][0]: expected " + countRange + ", got a string"},
      {"index above the range", [](auto& d) { set(d, "Buckets", "[[-693,1],[-623,2],[1138,1]]"); },
       "Buckets[2][0]: expected " + countRange + ", got 1138"},
      {"index below the range", [](auto& d) { set(d, "Buckets", "[[-2073,1],[-623,2],[-138,1]]"); },
       "Buckets[0][0]: expected " + countRange + ", got -2073"},
      {"index huge", [](auto& d) { set(d, "Buckets", "[[-693,1],[-623,2],[9999999999,1]]"); },
       "Buckets[2][0]: expected " + countRange + ", got 9999999999"},
      {"unsorted", [](auto& d) { set(d, "Buckets", "[[-623,2],[-693,1],[-138,1]]"); },
       "Buckets[1][0]: expected an index above the previous one (-623), as indexes ascend, got "
       "-693"},
      {"duplicate", [](auto& d) { set(d, "Buckets", "[[-693,1],[-623,1],[-623,1],[-138,1]]"); },
       "Buckets[2][0]: expected an index above the previous one (-623), as indexes ascend, got "
       "-623"},
      {"zero count", [](auto& d) { set(d, "Buckets", "[[-693,1],[-650,0],[-623,2],[-138,1]]"); },
       "Buckets[1][1]: expected a positive count, got 0"},
      {"negative count", [](auto& d) { set(d, "Buckets", "[[-693,1],[-623,-2],[-138,1]]"); },
       "Buckets[1][1]: expected a positive count, got -2"},
      {"count a string", [](auto& d) { set(d, "Buckets", R"([[-693,1],[-623,"2"],[-138,1]])"); },
       "Buckets[1][1]: expected a positive count, got a string"},
      {"counts short of Count", [](auto& d) { set(d, "Buckets", "[[-693,1],[-623,1],[-138,1]]"); },
       "Buckets: expected counts adding up to Count (6) with Underflow and Overflow, got 5"},
      {"counts past Count", [](auto& d) { set(d, "Buckets", "[[-693,1],[-623,3],[-138,1]]"); },
       "Buckets: expected counts adding up to Count (6) with Underflow and Overflow, got more "
       "by Buckets[2]"},
      {"counts wrapping 2^64",
       [](auto& d) { set(d, "Buckets", "[[-693,1],[-623,18446744073709551615],[-138,1]]"); },
       "Buckets: expected counts adding up to Count (6) with Underflow and Overflow, got more "
       "by Buckets[1]"},
      {"Underflow past Count", [](auto& d) { set(d, "Underflow", "7"); },
       "Underflow, Overflow: expected at most Count (6) together, got 7 and 1"},
      {"too many buckets",
       [](auto& d) {
         rapidjson::Value many(rapidjson::kArrayType);
         for (int i = 0; i < 5000; ++i)
           many.PushBack(rapidjson::Value(rapidjson::kArrayType), d.GetAllocator());
         d["Buckets"] = many;
       },
       "Buckets: expected at most 3210 pairs, got an array of 5000"},
      {"Min above Max", [](auto& d) { set(d, "Min", "200000"); },
       "Min: expected at most Max (100000), got 200000"},
      {"Min not in Underflow", [](auto& d) { set(d, "Min", "0.0009765625"); },
       "Min: expected a value below 1e-9, the lowest being in Underflow, got 0.0009765625"},
      {"Max not in Overflow", [](auto& d) { set(d, "Max", "0.25"); },
       "Max: expected a value above 86400, the highest being in Overflow, got 0.25"},
      {"Min outside the first bucket",
       [](auto& d) {
         set(d, "Underflow", "0");
         set(d, "Buckets", "[[-693,2],[-623,2],[-138,1]]");
         set(d, "Min", "0.001");
       },
       "Min: expected a value in bucket -693 (0.000968213599*, 0.000977944389*], the lowest used, "
       "got 0.001"},
      {"Max outside the last bucket",
       [](auto& d) {
         set(d, "Overflow", "0");
         set(d, "Buckets", "[[-693,1],[-623,2],[-138,2]]");
       },
       "Max: expected a value in bucket -138 (0.249072419482*, 0.251575659879*], the highest "
       "used, got 100000"},
      {"empty with a Max",
       [](auto& d) {
         set(d, "Count", "0");
         set(d, "Underflow", "0");
         set(d, "Overflow", "0");
         set(d, "Buckets", "[]");
       },
       "Max: expected 0 as Count is 0, got 100000"},
      {"empty with a Sum",
       [](auto& d) {
         rapidjson::Document empty = parseJson(
             R"({"RelativeAccuracy":0.005,"Count":0,"Min":0,"Max":0,"Sum":1,"Underflow":0,)"
             R"("Overflow":0,"Buckets":[]})");
         d.Swap(empty);
       },
       "Sum: expected 0 as Count is 0, got 1"},
  };
  for (const BadCase& c : cases) {
    rapidjson::Document doc = parseJson(kValid);
    c.change(doc);
    try {
      LatencySketch::fromJson(doc);
      ADD_FAILURE() << c.what << ": accepted " << toJson(doc);
    } catch (const SketchError& e) {
      EXPECT_TRUE(matches(e.what(), c.message)) << c.what << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << c.what;
    }
  }
}

TEST(LatencySketchJson, SurvivesRandomlyCorruptedInput) {
  // Random members replaced by random values of every type: an exception or a valid sketch,
  // never a crash (the sanitizer run checks for undefined behaviour).
  const std::vector<const char*> junk = {"null",
                                         "true",
                                         "-1",
                                         "0",
                                         "1",
                                         "1e300",
                                         "-1e-300",
                                         "18446744073709551615",
                                         "9223372036854775808",
                                         "2.5",
                                         R"("x")",
                                         "[]",
                                         "{}",
                                         "[[0,1]]",
                                         "[[-2072,6]]",
                                         "[[1137,1],[0,1]]",
                                         "[[0,0]]",
                                         "[null]",
                                         "[[0]]"};
  const std::vector<const char*> names = {"RelativeAccuracy", "Count",    "Min",    "Max", "Sum",
                                          "Underflow",        "Overflow", "Buckets"};
  std::mt19937_64 rng(13);
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    rapidjson::Document doc = parseJson(kValid);
    const int changes = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < changes; ++k)
      set(doc, names[rng() % names.size()], junk[rng() % junk.size()]);
    try {
      const LatencySketch s = LatencySketch::fromJson(doc);
      ++accepted;
      expectInvariants(s);
      expectSameSketch(roundTrip(s), s);
    } catch (const SketchError&) {
    }
  }
  EXPECT_LT(accepted, 5000);
}

}  // namespace
}  // namespace iter8::fortio
