// YAML and JSON readers on hostile and tricky input: no crash, a reason instead.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"

namespace iter8 {
namespace {

using ::testing::HasSubstr;

std::string errorOf(const std::string& text) {
  try {
    parseYaml(text);
  } catch (const YamlError& e) {
    return e.what();
  }
  return "";
}

TEST(Yaml, PlainScalarsGetTypesQuotedOnesStayStrings) {
  auto doc = parseYaml("a: 1\nb: \"1\"\nc: 1.5\nd: true\ne: ~\nf: 'true'\ng: 1e3\n");
  EXPECT_EQ(toJson(doc), R"({"a":1,"b":"1","c":1.5,"d":true,"e":null,"f":"true","g":1000})");
}

TEST(Yaml, StringsThatLookLikeOtherTypesAreQuotedOnTheWayOut) {
  auto doc = parseJson(R"({"version":"1.0","flag":"true","empty":"","n":"~","x":"plain"})");
  EXPECT_EQ(toJson(parseYaml(toYaml(doc))), toJson(doc));
}

TEST(Yaml, DoublesPrintWithTheirShortestDigits) {
  auto doc = parseJson(R"({"p":99.9,"v":0.000721})");
  EXPECT_EQ(toYaml(doc), "p: 99.9\nv: 0.000721\n");
}

// A latency sketch's [index, count] pairs take one line each in a status file, not three.
// Strings that YAML 1.1 (kubectl) or 1.2 readers would take as numbers, booleans or null are
// quoted on the way out, so a write-back never changes a value's type for any reader.
TEST(Yaml, StringsOtherReadersTakeAsNumbersAreQuoted) {
  for (const char* text : {"0x10", "0X1f", "0o17", "017", "0b101", "1_000", "1_000.5", "1:20",
                           "190:20:30.5", "Yes", "OFF", "y", "N", ".nan", ".INF", "-0x1"}) {
    rapidjson::Document doc;
    doc.SetObject();
    doc.AddMember("v", rapidjson::Value(text, doc.GetAllocator()), doc.GetAllocator());
    std::string yaml = toYaml(doc);
    EXPECT_EQ(yaml, std::string("v: \"") + text + "\"\n") << text;
    EXPECT_EQ(toJson(parseYaml(yaml)), toJson(doc)) << text;
  }
  for (const char* text : {"0xZ", "a_b", "0x", "1.2.3", "http://x:80", "v1.2.3", "1_", "0o"}) {
    rapidjson::Document doc;
    doc.SetObject();
    doc.AddMember("v", rapidjson::Value(text, doc.GetAllocator()), doc.GetAllocator());
    EXPECT_EQ(toYaml(doc), std::string("v: ") + text + "\n") << text;
  }
}

TEST(Yaml, ShortListsOfNumbersAreWrittenOnOneLine) {
  auto doc = parseJson(
      R"({"Buckets":[[-449,1],[-448,22]],"ok":[true,false],"names":["a","b"],"long":[1,2,3,4,5,6,7,8,9]})");
  std::string text = toYaml(doc);
  EXPECT_EQ(text,
            "Buckets:\n  - [-449, 1]\n  - [-448, 22]\nok: [true, false]\nnames:\n  - a\n  - b\n"
            "long:\n  - 1\n  - 2\n  - 3\n  - 4\n  - 5\n  - 6\n  - 7\n  - 8\n  - 9\n");
  EXPECT_EQ(toJson(parseYaml(text)), toJson(doc));
}

TEST(Yaml, ARecursiveAliasIsAnErrorNotACrash) {
  EXPECT_THAT(errorOf("a: &x {b: *x}\n"), HasSubstr("nested deeper than 200 levels"));
}

TEST(Yaml, ExponentialAliasesAreCutOff) {
  std::string text = "a: &a [1,1,1,1,1,1,1,1,1,1]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ",*" : "*") + prev;
    text += "]\n";
  }
  EXPECT_THAT(errorOf(text), HasSubstr("expands to more than"));
}

TEST(Yaml, SyntaxErrorsSayLineAndColumn) {
  EXPECT_THAT(errorOf("a: [1, 2\nb: }\n"), HasSubstr("invalid YAML at line"));
}

// The mistakes people make, named in their words and at their line.
TEST(Yaml, ATabInTheIndentationIsNamed) {
  EXPECT_THAT(errorOf("metadata:\n\tname: x\nspec: {}\n"),
              HasSubstr("invalid YAML at line 2: a tab character in the indentation; YAML "
                        "indents with spaces only"));
  EXPECT_THAT(errorOf("metadata:\n  name: x\n\tnamespace: y\n"),
              HasSubstr("invalid YAML at line 3: a tab character in the indentation"));
  EXPECT_EQ(errorOf("a: \"x\ty\"\n"), "");  // a tab in a value is fine
}

TEST(Yaml, AKeyWithoutItsColonIsReportedAtItsOwnLine) {
  // yaml-cpp reads "target a strategy" as one scalar and fails at line 3's colon.
  EXPECT_THAT(errorOf("spec:\n  target a\n  strategy:\n    actions: {}\n"),
              HasSubstr("invalid YAML at line 2: `target a` is not followed by `:`; a key "
                        "without its colon? (yaml-cpp: illegal map value at line 3, column"));
}

TEST(Yaml, FlowNestingPastTheParsersLimitSaysSo) {
  std::string deep = "a: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  std::string error = errorOf(deep);
  EXPECT_THAT(error, HasSubstr("nested deeper than 200 levels"));
  EXPECT_THAT(error, ::testing::Not(HasSubstr("bad file")));
}

TEST(Json, DeepNestingIsAnErrorNotACrash) {
  try {
    parseJson("{\"a\":" + std::string(100000, '['));
    FAIL();
  } catch (const JsonError& e) {
    EXPECT_THAT(e.what(), HasSubstr("nested deeper than 200 levels"));
  }
  EXPECT_NO_THROW(
      parseJson(R"({"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})"));
}

}  // namespace
}  // namespace iter8
