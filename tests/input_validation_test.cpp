#include "host/loader/input_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"

namespace iter8 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char* kSchema = R"({
  "type": "object",
  "properties": {
    "url": {"type": "string"},
    "qps": {"type": "number", "minimum": 0},
    "loadOnly": {"type": "boolean"},
    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    "versions": {"type": "array", "minItems": 1, "items": {
      "type": "object",
      "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
      "required": ["name", "url"]}}
  },
  "required": ["versions"]
})";

InputCheck check(const std::string& withJson, std::string* normalized = nullptr) {
  rapidjson::Document with = parseJson(withJson);
  rapidjson::Document schema = parseJson(kSchema);
  InputCheck result = checkInputs(with, with.GetAllocator(), schema);
  if (normalized) *normalized = toJson(with);
  return result;
}

TEST(InputValidation, AcceptsValidInputs) {
  auto result = check(R"({"versions":[{"name":"v1","url":"http://a"}],"qps":8})");
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.warnings.empty());
}

TEST(InputValidation, MissingFieldIsNamedWithItsType) {
  auto result = check(R"({"qps":8})");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "input 'with.versions' is required; expected array");
}

TEST(InputValidation, MissingNestedFieldHasItsPath) {
  auto result = check(R"({"versions":[{"name":"v1","url":"u"},{"name":"v2"}]})");
  EXPECT_EQ(result.error, "input 'with.versions[1].url' is required; expected string");
}

TEST(InputValidation, WrongTypeSaysWhatWasFoundAndExpected) {
  auto result = check(R"({"versions":[{"name":"v1","url":"u"}],"qps":"fast"})");
  EXPECT_EQ(result.error, "input 'with.qps' is a string \"fast\"; expected number");
}

TEST(InputValidation, RangeRuleNamesTheBound) {
  auto result = check(R"({"versions":[{"name":"v1","url":"u"}],"qps":-1})");
  EXPECT_EQ(result.error, "input 'with.qps' is a number -1; expected a number >= 0");
}

TEST(InputValidation, EmptyListNamesTheMinimum) {
  EXPECT_THAT(check(R"({"versions":[]})").error, HasSubstr("expected at least 1 item(s)"));
}

TEST(InputValidation, KeysMatchCaseInsensitivelyAsGoDid) {
  std::string normalized;
  auto result = check(R"({"Versions":[{"NAME":"v1","URL":"u"}],"LoadOnly":true})", &normalized);
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(normalized, R"({"versions":[{"name":"v1","url":"u"}],"loadOnly":true})");
}

TEST(InputValidation, ExactSpellingWinsOverCaseInsensitiveMatch) {
  std::string normalized;
  check(R"({"versions":[{"name":"v1","url":"u","URL":"other"}]})", &normalized);
  EXPECT_THAT(normalized, HasSubstr(R"("url":"u")"));
}

TEST(InputValidation, UnknownFieldIsAWarningNamingIt) {
  auto result = check(R"({"versions":[{"name":"v1","url":"u"}],"qsp":8})");
  EXPECT_TRUE(result.ok);
  ASSERT_THAT(result.warnings, ElementsAre(HasSubstr("unknown input 'with.qsp' is ignored")));
  EXPECT_THAT(result.warnings[0], HasSubstr("known inputs: url, qps"));
}

TEST(InputValidation, MapValuedInputsDoNotWarn) {
  auto result = check(R"({"versions":[{"name":"v1","url":"u"}],"headers":{"X-Any":"1"}})");
  EXPECT_TRUE(result.ok);
  EXPECT_TRUE(result.warnings.empty());
}

}  // namespace
}  // namespace iter8

namespace iter8 {
namespace {

TEST(InputValidation, ClosedSchemaRejectsAnUnknownFieldByName) {
  rapidjson::Document with = parseJson(R"({"cmd":"x","cmdd":"y"})");
  rapidjson::Document schema = parseJson(
      R"({"type":"object","properties":{"cmd":{"type":"string"}},"additionalProperties":false})");
  InputCheck result = checkInputs(with, with.GetAllocator(), schema);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "input 'with.cmdd' is not accepted by this task; allowed: cmd");
  EXPECT_TRUE(result.warnings.empty()) << "no 'ignored' warning for a field that fails";
}

}  // namespace
}  // namespace iter8
