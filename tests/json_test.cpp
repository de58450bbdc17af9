#include "lib/json.h"

#include <gtest/gtest.h>

namespace iter8 {
namespace {

TEST(Json, ParseErrorSaysWhere) {
  try {
    parseJson("{\"a\": }");
    FAIL() << "expected JsonError";
  } catch (const JsonError& e) {
    EXPECT_NE(std::string(e.what()).find("offset 6"), std::string::npos) << e.what();
  }
}

TEST(Json, MergePatchFollowsRfc7386) {
  // The RFC's own example: replace, delete with null, add nested, keep untouched members.
  auto target = parseJson(
      R"({"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"})");
  auto patch = parseJson(
      R"({"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]})");
  applyMergePatch(target, patch, target.GetAllocator());
  EXPECT_EQ(
      toJson(target),
      R"({"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"})");
}

}  // namespace
}  // namespace iter8
