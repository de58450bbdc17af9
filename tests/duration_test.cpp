#include "lib/duration.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace iter8
