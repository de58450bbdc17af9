// The "did you mean" helper behind messages about unknown commands, options, inputs and tasks.
#include <gtest/gtest.h>

#include "lib/suggest.h"

namespace iter8 {
namespace {

TEST(Suggest, EditDistanceCountsTranspositionsAsOne) {
  EXPECT_EQ(editDistance("qsp", "qps"), 1u);
  EXPECT_EQ(editDistance("lop", "loop"), 1u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}

TEST(Suggest, NamesTheClosestOnlyWhenItLooksLikeATypo) {
  std::vector<std::string> inputs{"versions", "time", "qps", "connections", "numQueries"};
  EXPECT_EQ(closestName("qsp", inputs), "qps");
  EXPECT_EQ(closestName("numqueries", inputs), "numQueries");  // case alone
  EXPECT_EQ(closestName("conections", inputs), "connections");
  EXPECT_EQ(closestName("x", inputs), "");
  EXPECT_EQ(closestName("payload", inputs), "");
  EXPECT_EQ(didYouMean("tme", inputs), " (did you mean `time`?)");
  EXPECT_EQ(didYouMean("zzzzzz", inputs), "");
}

}  // namespace
}  // namespace iter8
