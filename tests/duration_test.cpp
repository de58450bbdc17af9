#include "lib/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

// The SDK header compiled as C11 (tests/duration_c.c).
extern "C" int iter8_test_parse_go_duration_c(const char* text, size_t length, int64_t* nanos);

namespace iter8 {
namespace {

using std::chrono::nanoseconds;

TEST(GoDuration, ParsesWhatGoParses) {
  EXPECT_EQ(parseGoDuration("5s"), nanoseconds(5'000'000'000));
  EXPECT_EQ(parseGoDuration("1m30s"), nanoseconds(90'000'000'000));
  EXPECT_EQ(parseGoDuration("1.5h"), nanoseconds(5'400'000'000'000));
  EXPECT_EQ(parseGoDuration("250ms"), nanoseconds(250'000'000));
  EXPECT_EQ(parseGoDuration("10us"), nanoseconds(10'000));
  EXPECT_EQ(parseGoDuration("10\xC2\xB5s"), nanoseconds(10'000));
  EXPECT_EQ(parseGoDuration("1h2m3.5s"), nanoseconds(3'723'500'000'000));
  EXPECT_EQ(parseGoDuration("0"), nanoseconds(0));
  EXPECT_EQ(parseGoDuration("-2s"), nanoseconds(-2'000'000'000));
}

TEST(GoDuration, RejectsWhatGoRejects) {
  for (const char* bad : {"", "5", "s", "5x", "1..5s", ".s", "5s3", "five seconds", "-"}) {
    EXPECT_FALSE(parseGoDuration(bad).has_value()) << bad;
  }
}

TEST(GoDuration, FormatsAsGoDurationString) {
  EXPECT_EQ(formatGoDuration(nanoseconds(5'000'000'000)), "5s");
  EXPECT_EQ(formatGoDuration(nanoseconds(90'000'000'000)), "1m30s");
  EXPECT_EQ(formatGoDuration(nanoseconds(60'000'000'000)), "1m0s");
  EXPECT_EQ(formatGoDuration(nanoseconds(3'723'500'000'000)), "1h2m3.5s");
  EXPECT_EQ(formatGoDuration(nanoseconds(1'500'000'000)), "1.5s");
  EXPECT_EQ(formatGoDuration(nanoseconds(250'000'000)), "250ms");
  EXPECT_EQ(formatGoDuration(nanoseconds(1'500)), "1.5\xC2\xB5s");
  EXPECT_EQ(formatGoDuration(nanoseconds(0)), "0s");
}

// Go's answers (time.ParseDuration), edge cases included; the host (lib/duration) and the SDK
// header compiled as C must both give them: it is one implementation.
struct Case {
  std::string text;
  std::optional<int64_t> nanos;  // nullopt: Go refuses it
};

const Case kGoCases[] = {
    {"0", 0},
    {"+0", 0},
    {"-0", 0},
    {"0s", 0},
    {"5s", 5'000'000'000},
    {"+5s", 5'000'000'000},
    {"-5s", -5'000'000'000},
    {".5s", 500'000'000},
    {"5.s", 5'000'000'000},
    {"1.5h", 5'400'000'000'000},
    {"1h1h", 7'200'000'000'000},
    {"1h2m3s4ms5us6ns", 3'723'004'005'006},
    {"1.5\xC2\xB5s", 1'500},
    {"1.5\xCE\xBCs", 1'500},
    {"1.9ns", 1},                      // Go truncates the fraction of a unit
    {"1.0000000001s", 1'000'000'000},  // a fraction finer than 1 ns is dropped
    {"0.000000001s", 1},
    {"9223372036854775807ns", std::numeric_limits<int64_t>::max()},
    {"-9223372036854775808ns", std::numeric_limits<int64_t>::min()},
    {"2562047h", 9'223'369'200'000'000'000},
    {"9223372036854775808ns", std::nullopt},
    {"2562048h", std::nullopt},
    {"99999999999999999999s", std::nullopt},
    {"", std::nullopt},
    {"-", std::nullopt},
    {"+", std::nullopt},
    {"00", std::nullopt},
    {"5", std::nullopt},
    {"s", std::nullopt},
    {".", std::nullopt},
    {".s", std::nullopt},
    {"1..5s", std::nullopt},
    {"1.5.5s", std::nullopt},
    {"5s3", std::nullopt},
    {"5x", std::nullopt},
    {"5S", std::nullopt},
    {"1e3s", std::nullopt},
    {" 5s", std::nullopt},
    {"5 s", std::nullopt},
    {"5s ", std::nullopt},
    {"five seconds", std::nullopt},
};

TEST(GoDuration, HostAndSdkGiveGoAnswers) {
  for (const Case& c : kGoCases) {
    SCOPED_TRACE("'" + c.text + "'");
    std::optional<nanoseconds> host = parseGoDuration(c.text);
    ASSERT_EQ(host.has_value(), c.nanos.has_value());
    int64_t fromC = -1;
    ASSERT_EQ(iter8_test_parse_go_duration_c(c.text.data(), c.text.size(), &fromC) != 0,
              c.nanos.has_value());
    if (c.nanos) {
      EXPECT_EQ(host->count(), *c.nanos);
      EXPECT_EQ(fromC, *c.nanos);
    }
  }
}

TEST(GoDuration, ReadsOnlyTheGivenLength) {
  int64_t nanos = 0;
  EXPECT_TRUE(iter8_test_parse_go_duration_c("5sXYZ", 2, &nanos));
  EXPECT_EQ(nanos, 5'000'000'000);
}

}  // namespace
}  // namespace iter8
