// `if:` conditions: etc3's expr subset, parsed and evaluated on experiments written as JSON.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/conditions/conditions.h"
#include "lib/json.h"

namespace iter8 {
namespace {

using ::testing::HasSubstr;

// An experiment with a baseline v1 and `candidates`, and `status` as given (JSON text).
rapidjson::Document experiment(const std::string& status = "null",
                               const std::string& candidates = R"([{"name":"v2"}])") {
  return parseJson(R"({"apiVersion":"iter8.tools/v2alpha2","kind":"Experiment",
    "metadata":{"name":"exp","namespace":"shop","labels":{"team":"a"}},
    "spec":{"target":"shop/app","duration":{"iterationsPerLoop":10},
            "versionInfo":{"baseline":{"name":"v1"},"candidates":)" +
                   candidates + R"(}},
    "status":)" + status +
                   "}");
}

const std::string kV2Won =
    R"({"completedIterations":12,"analysis":{"winnerAssessment":{"data":{"winnerFound":true,"winner":"v2"}}}})";

bool eval(const std::string& text, const rapidjson::Value& exp) {
  return evaluateCondition(parseCondition(text), exp);
}

std::string parseError(const std::string& text) {
  try {
    parseCondition(text);
  } catch (const ConditionError& e) {
    return e.what();
  }
  return "(parsed)";
}

std::string evalError(const std::string& text, const rapidjson::Value& exp) {
  try {
    evaluateCondition(parseCondition(text), exp);
  } catch (const ConditionError& e) {
    return e.what();
  }
  return "(evaluated)";
}

TEST(Conditions, FunctionsHaveEtc3sMeaning) {
  auto won = experiment(kV2Won);
  EXPECT_TRUE(eval("WinnerFound()", won));
  EXPECT_TRUE(eval("CandidateWon()", won));
  auto none = experiment();
  EXPECT_FALSE(eval("WinnerFound()", none));
  EXPECT_FALSE(eval("CandidateWon()", none));
  auto baselineWon = experiment(
      R"({"analysis":{"winnerAssessment":{"data":{"winnerFound":true,"winner":"v1"}}}})");
  EXPECT_TRUE(eval("WinnerFound()", baselineWon));
  EXPECT_FALSE(eval("CandidateWon()", baselineWon));
  // etc3: exactly one candidate. With two, a candidate winning is not CandidateWon().
  auto twoCandidates =
      experiment(R"({"analysis":{"winnerAssessment":{"data":{"winnerFound":true,"winner":"v3"}}}})",
                 R"([{"name":"v2"},{"name":"v3"}])");
  EXPECT_FALSE(eval("CandidateWon()", twoCandidates));
  // etc3 panicked on a found winner without a name; here it is simply not a candidate's win.
  auto nameless = experiment(R"({"analysis":{"winnerAssessment":{"data":{"winnerFound":true}}}})");
  EXPECT_FALSE(eval("CandidateWon()", nameless));
}

TEST(Conditions, LogicalOperatorsInBothSpellings) {
  auto won = experiment(kV2Won);
  auto none = experiment();
  for (const char* text : {"!CandidateWon()", "not CandidateWon()", "! CandidateWon()"}) {
    EXPECT_FALSE(eval(text, won)) << text;
    EXPECT_TRUE(eval(text, none)) << text;
  }
  EXPECT_TRUE(eval("WinnerFound() && CandidateWon()", won));
  EXPECT_TRUE(eval("WinnerFound() and CandidateWon()", won));
  EXPECT_FALSE(eval("WinnerFound() && CandidateWon()", none));
  EXPECT_TRUE(eval("WinnerFound() || true", none));
  EXPECT_TRUE(eval("false or not WinnerFound()", none));
  EXPECT_FALSE(eval("!(WinnerFound() || CandidateWon())", won));
  EXPECT_TRUE(eval("true", none));
  EXPECT_FALSE(eval("false", none));
}

TEST(Conditions, PrecedenceIsExprs) {
  auto none = experiment();
  // && binds tighter than ||.
  EXPECT_TRUE(eval("true || false && false", none));
  EXPECT_FALSE(eval("(true || false) && false", none));
  // Unary not binds tighter than ==: `not false == false` is `(not false) == false`.
  EXPECT_FALSE(eval("not false == false", none));
  EXPECT_TRUE(eval("not (false == true)", none));
  EXPECT_TRUE(eval("!!true", none));
}

TEST(Conditions, FieldsByGoNameAndNil) {
  auto won = experiment(kV2Won);
  auto none = experiment();
  EXPECT_TRUE(eval("Spec.Target == \"shop/app\"", won));
  EXPECT_TRUE(eval("Spec.Target == 'shop/app'", won));
  EXPECT_FALSE(eval("Spec.Target != \"shop/app\"", won));
  EXPECT_TRUE(eval("Name == \"exp\" && Namespace == \"shop\"", won));
  EXPECT_TRUE(eval("Labels.team == \"a\"", won));
  EXPECT_TRUE(eval("Spec.VersionInfo.Baseline.Name == \"v1\"", won));
  EXPECT_TRUE(eval("Status.Analysis != nil", won));
  EXPECT_FALSE(eval("Status.Analysis != nil", none));
  EXPECT_TRUE(eval("Status.Analysis == nil", none));
  EXPECT_TRUE(eval("Status.Analysis.WinnerAssessment.Data.WinnerFound", won));
  EXPECT_TRUE(eval("Status.Analysis.WinnerAssessment.Data.Winner == \"v2\"", won));
  // The exact key wins over the lower-cased one.
  auto both = parseJson(R"({"spec":{"Target":"upper","target":"lower"}})");
  EXPECT_TRUE(eval("Spec.Target == \"upper\"", both));
  // Absent anywhere along the path is nil (expr refused unknown fields of the Go type at
  // compile time and failed on nil pointers at run time; the JSON cannot tell them apart).
  EXPECT_TRUE(eval("Status.Analysis.WinnerAssessment.Data.Winner == nil", none));
  EXPECT_TRUE(eval("Spec.NoSuchField == nil", won));
  EXPECT_TRUE(eval("nil == nil", none));
  EXPECT_FALSE(eval("Spec.Target == nil", won));
}

TEST(Conditions, NumbersAndStringsCompare) {
  auto won = experiment(kV2Won);
  EXPECT_TRUE(eval("Status.CompletedIterations >= 12", won));
  EXPECT_TRUE(eval("Status.CompletedIterations > 11.5", won));
  EXPECT_FALSE(eval("Status.CompletedIterations < 12", won));
  EXPECT_TRUE(eval("Status.CompletedIterations <= 1.2e1", won));
  EXPECT_TRUE(eval("Status.CompletedIterations == 12.0", won));
  EXPECT_TRUE(eval("Spec.Duration.IterationsPerLoop != 11", won));
  EXPECT_TRUE(eval("Spec.Target > \"shop/a\"", won));
  EXPECT_TRUE(eval("\"a\" < \"b\"", won));
  EXPECT_FALSE(eval("Spec.Target == 12", won));  // different types are not equal
  EXPECT_TRUE(eval("Spec.VersionInfo.Candidates != nil", won));
}

TEST(Conditions, ParseErrorsNameTheColumn) {
  EXPECT_EQ(parseError("WinnerFound() &&"),
            "column 17: expected a value, a field, WinnerFound(), CandidateWon(), '!', 'not' or "
            "'(', found the end of the condition");
  EXPECT_EQ(parseError("(WinnerFound()"),
            "column 15: expected ')', found the end of the condition");
  EXPECT_EQ(parseError("AnotherOneBytesTheDust()"),
            "column 1: unknown function AnotherOneBytesTheDust(); supported: WinnerFound(), "
            "CandidateWon()");
  EXPECT_EQ(parseError("WinnerFound(1)"),
            "column 13: expected ')': WinnerFound() takes no arguments, found a number");
  EXPECT_EQ(parseError("Spec.Target = \"x\""),
            "column 13: '=' is not supported; conditions use ! not && and || or == != < <= > >= "
            "and parentheses");
  EXPECT_EQ(parseError("Name in [\"a\"]"), "column 6: operator 'in' is not supported");
  EXPECT_EQ(parseError("\"unterminated"), "column 1: string not terminated");
  EXPECT_EQ(parseError("WinnerFound() CandidateWon()"),
            "column 15: expected an operator or the end of the condition, found 'CandidateWon'");
  EXPECT_EQ(parseError(""), "column 1: the condition is empty");
  EXPECT_EQ(parseError("   "), "column 4: the condition is empty");
  EXPECT_EQ(parseError("Spec."),
            "column 6: expected a field name after '.', found the end of the "
            "condition");
}

TEST(Conditions, WhatExprsCheckerRefusedIsRefusedAtParse) {
  EXPECT_EQ(parseError("\"shop/app\""),
            "column 1: the condition is a string; expected true or false");
  EXPECT_EQ(parseError("12"), "column 1: the condition is a number; expected true or false");
  EXPECT_EQ(parseError("nil"), "column 1: the condition is nil; expected true or false");
  EXPECT_EQ(parseError("!\"x\""), "column 2: '!' needs true or false, found a string");
  EXPECT_EQ(parseError("true && 1"), "column 9: '&&' needs true or false, found a number");
  EXPECT_EQ(parseError("1 < \"b\""), "column 3: '<' cannot compare a number with a string");
  EXPECT_EQ(parseError("nil < 1"), "column 5: '<' compares numbers or strings, found nil");
}

TEST(Conditions, TypeErrorsAtRunTimeSayWhatWasFound) {
  auto won = experiment(kV2Won);
  EXPECT_EQ(evalError("Spec.Target", won),
            "column 1: Spec.Target is a string; expected true or false");
  EXPECT_EQ(evalError("Status.Nothing", won),
            "column 1: Status.Nothing is nil; expected true or false");
  EXPECT_EQ(evalError("!Spec.Target", won),
            "column 2: '!' needs true or false; Spec.Target is a string");
  EXPECT_EQ(evalError("Spec.Target < 3", won),
            "column 13: '<' cannot compare a string with a number");
  // Short-circuit: the right side is not evaluated when the left decides.
  EXPECT_FALSE(eval("false && Spec.Target", won));
  EXPECT_TRUE(eval("true || Spec.Target", won));
}

TEST(Conditions, HostileInputIsBounded) {
  // Deep nesting is refused, not a stack overflow.
  std::string deep = std::string(10000, '(') + "true" + std::string(10000, ')');
  EXPECT_THAT(parseError(deep), HasSubstr("nested too deeply"));
  std::string nots(10000, '!');
  EXPECT_THAT(parseError(nots + "true"), HasSubstr("nested too deeply"));
  // Long chains are refused past the node limit.
  std::string chain = "true";
  for (int i = 0; i < 1000; ++i) chain += " || true";
  EXPECT_THAT(parseError(chain), HasSubstr("too long"));
  // Within the limits, nesting works.
  std::string ok = std::string(20, '(') + "true" + std::string(20, ')');
  EXPECT_TRUE(eval(ok, experiment()));
  EXPECT_THAT(parseError(std::string("\x01", 1)), HasSubstr("unexpected character '\\x01'"));
}

}  // namespace
}  // namespace iter8
