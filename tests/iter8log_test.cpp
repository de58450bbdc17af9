// Iter8Log lines: byte for byte what etc3's json.Marshal wrote.
#include <gtest/gtest.h>

#include "host/runner/iter8log.h"
#include "lib/json.h"

namespace iter8 {
namespace {

TEST(Iter8Log, LineHasEtc3sKeysInOrder) {
  auto exp = parseJson(R"({"metadata":{"name":"exp","namespace":"shop"},
    "spec":{"duration":{"iterationsPerLoop":5}},"status":{"completedIterations":12}})");
  EXPECT_EQ(iter8LogLine(exp, "loop", "action loop, task 0 (run): bash script exited with status 7",
                         kIter8LogPriorityHigh),
            R"({"isIter8Log":true,"experimentName":"exp","experimentNamespace":"shop",)"
            R"("source":"task-runner","priority":1,)"
            R"("message":"action loop, task 0 (run): bash script exited with status 7",)"
            R"("precedence":3})");
  EXPECT_EQ(iter8LogLine(exp, "start", kCollectCompletedMessage, kIter8LogPriorityLow),
            R"({"isIter8Log":true,"experimentName":"exp","experimentNamespace":"shop",)"
            R"("source":"task-runner","priority":3,)"
            R"("message":"metrics collection completed for all versions","precedence":0})");
}

TEST(Iter8Log, PrecedenceIsCompletedLoopsPlusOne) {
  auto at = [](const std::string& json, const std::string& action) {
    return iter8LogPrecedence(parseJson(json), action);
  };
  EXPECT_EQ(at(R"({"status":{"completedIterations":29}})", "start"), 0);
  // iterationsPerLoop defaults to 15: 29 / 15 + 1 = 2.
  EXPECT_EQ(at(R"({"status":{"completedIterations":29}})", "loop"), 2);
  EXPECT_EQ(at(R"({"status":{"completedIterations":30}})", "finish"), 3);
  EXPECT_EQ(
      at(R"({"spec":{"duration":{"iterationsPerLoop":10}},"status":{"completedIterations":30}})",
         "finish"),
      4);
  EXPECT_EQ(at(R"({})", "loop"), 1);
  EXPECT_EQ(
      at(R"({"spec":{"duration":{"iterationsPerLoop":0}},"status":{"completedIterations":30}})",
         "loop"),
      3);  // 0 would divide by zero (a panic in Go): the default applies
}

TEST(Iter8Log, StringsAreEscapedAsGoEscapesThem) {
  auto exp = parseJson(R"({"metadata":{"name":"e"}})");
  std::string line = iter8LogLine(exp, "start", "a<b>&\"c\"\\\t\x01 \xE2\x80\xA8 \xff é", 1);
  EXPECT_EQ(line,
            R"({"isIter8Log":true,"experimentName":"e","experimentNamespace":"",)"
            R"("source":"task-runner","priority":1,)"
            R"("message":"a\u003cb\u003e\u0026\"c\"\\\t\u0001 \u2028 \ufffd é","precedence":0})");
}

}  // namespace
}  // namespace iter8
