// iter8/json_writer.h, the SDK's JSON writer for C plugins: what it writes parses back (with
// RapidJSON, as the host parses a status patch) to the very strings and numbers given, for all
// of UTF-8 and every control character; misuse fails instead of writing bad JSON.
#include "iter8/json_writer.h"

#include <cstdlib>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "lib/json.h"

extern "C" char* iter8_test_status_patch_c(const char* who, size_t who_size, double ratio);

namespace iter8 {
namespace {

// `text` written as one JSON string value, parsed back.
std::string roundTrip(const std::string& text, std::string* json = nullptr) {
  iter8_json_writer w;
  iter8_json_writer_init(&w);
  iter8_json_string_n(&w, text.data(), text.size());
  const char* out = iter8_json_writer_text(&w);
  EXPECT_NE(out, nullptr);
  std::string written = out ? out : "";
  iter8_json_writer_free(&w);
  if (json) *json = written;
  rapidjson::Document doc = parseJson(written);
  return std::string(doc.GetString(), doc.GetStringLength());
}

TEST(JsonWriter, EveryControlCharacterAndQuoteRoundTrips) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all += static_cast<char>(c);
  std::string json;
  EXPECT_EQ(roundTrip(all, &json), all);
  EXPECT_NE(json.find(R"(\u0000\u0001)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"(\n)"), std::string::npos);
  EXPECT_NE(json.find(R"(\")"), std::string::npos);
  EXPECT_NE(json.find(R"(\\)"), std::string::npos);
}

TEST(JsonWriter, ValidUtf8PassesThroughUpToTheLastCodePoint) {
  // 2-, 3- and 4-byte forms at their edges: U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF.
  const std::string text =
      "\xC2\x80 \xDF\xBF \xE0\xA0\x80 \xEF\xBF\xBF \xF0\x90\x80\x80 "
      "\xF4\x8F\xBF\xBF caf\xC3\xA9 \xE2\x9C\x93";
  std::string json;
  EXPECT_EQ(roundTrip(text, &json), text);
  EXPECT_EQ(json, "\"" + text + "\"");  // written as is, not escaped
}

TEST(JsonWriter, LineAndParagraphSeparatorsAreEscapedAsGoDoes) {
  std::string json;
  EXPECT_EQ(roundTrip("a\xE2\x80\xA8"
                      "b\xE2\x80\xA9",
                      &json),
            "a\xE2\x80\xA8"
            "b\xE2\x80\xA9");
  EXPECT_EQ(json, R"("a\u2028b\u2029")");
}

TEST(JsonWriter, EachInvalidByteBecomesAReplacementCharacter) {
  const std::string replacement = "\xEF\xBF\xBD";
  struct {
    std::string in, out;
  } cases[] = {
      {"a\xFF"
       "b",
       "a" + replacement + "b"},                                  // never valid in UTF-8
      {"\xC0\xAF", replacement + replacement},                    // overlong '/'
      {"\xE0\x80\xAF", replacement + replacement + replacement},  // overlong, 3 bytes
      {"\xED\xA0\x80", replacement + replacement + replacement},  // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", replacement + replacement + replacement + replacement},  // > U+10FFFF
      {"\xE2\x9C", replacement + replacement},  // cut short at the end
      {"\xC3(", replacement + "("},             // cut short in the middle
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.out);
    EXPECT_EQ(roundTrip(c.in), c.out);
  }
}

TEST(JsonWriter, BuildsAStatusPatchFromC) {
  const std::string who = "O'Brien \"the\" \\ tester\n\t\xE2\x9C\x93";
  char* text = iter8_test_status_patch_c(who.data(), who.size(), 0.1);
  ASSERT_NE(text, nullptr);
  rapidjson::Document patch = parseJson(text);
  std::free(text);
  const rapidjson::Value& greeting = patch["analysis"]["greeting"];
  EXPECT_EQ(std::string(greeting["who"].GetString()), who);
  EXPECT_EQ(greeting["count"].GetInt64(), 2);
  EXPECT_EQ(greeting["ratio"].GetDouble(), 0.1);  // %.17g reads back exactly
  EXPECT_TRUE(greeting["ok"].GetBool());
  EXPECT_EQ(toJson(greeting["tags"]), R"(["a",null])");
  EXPECT_TRUE(patch["message"].IsNull());
}

TEST(JsonWriter, NumbersAtTheirLimits) {
  iter8_json_writer w;
  iter8_json_writer_init(&w);
  iter8_json_begin_array(&w);
  iter8_json_int(&w, INT64_MIN);
  iter8_json_int(&w, INT64_MAX);
  iter8_json_double(&w, -0.5);
  iter8_json_double(&w, 1e300);
  iter8_json_end_array(&w);
  ASSERT_NE(iter8_json_writer_text(&w), nullptr);
  EXPECT_STREQ(iter8_json_writer_text(&w),
               "[-9223372036854775808,9223372036854775807,-0.5,1.0000000000000001e+300]");
  iter8_json_writer_free(&w);
}

// Each misuse leaves the writer failed: no text, so no half-built patch reaches the host.
TEST(JsonWriter, MisuseGivesNoText) {
  auto fails = [](void (*build)(iter8_json_writer*)) {
    iter8_json_writer w;
    iter8_json_writer_init(&w);
    build(&w);
    const bool failed = iter8_json_writer_text(&w) == nullptr;
    iter8_json_writer_free(&w);
    return failed;
  };
  EXPECT_TRUE(fails([](iter8_json_writer*) {}));                                 // nothing written
  EXPECT_TRUE(fails([](iter8_json_writer* w) { iter8_json_begin_object(w); }));  // left open
  EXPECT_TRUE(fails([](iter8_json_writer* w) {  // a value without its key
    iter8_json_begin_object(w);
    iter8_json_int(w, 1);
    iter8_json_end_object(w);
  }));
  EXPECT_TRUE(fails([](iter8_json_writer* w) {  // a key without its value
    iter8_json_begin_object(w);
    iter8_json_key(w, "a");
    iter8_json_end_object(w);
  }));
  EXPECT_TRUE(fails([](iter8_json_writer* w) {  // a key in an array
    iter8_json_begin_array(w);
    iter8_json_key(w, "a");
    iter8_json_end_array(w);
  }));
  EXPECT_TRUE(fails([](iter8_json_writer* w) {  // the wrong end
    iter8_json_begin_array(w);
    iter8_json_end_object(w);
  }));
  EXPECT_TRUE(fails([](iter8_json_writer* w) {  // two top-level values
    iter8_json_int(w, 1);
    iter8_json_int(w, 2);
  }));
  EXPECT_TRUE(fails([](iter8_json_writer* w) {
    iter8_json_double(w, std::numeric_limits<double>::quiet_NaN());
  }));
  EXPECT_TRUE(fails([](iter8_json_writer* w) { iter8_json_string(w, nullptr); }));
  EXPECT_TRUE(fails([](iter8_json_writer* w) {  // deeper than ITER8_JSON_MAX_DEPTH
    for (int i = 0; i <= ITER8_JSON_MAX_DEPTH; ++i) iter8_json_begin_array(w);
    for (int i = 0; i <= ITER8_JSON_MAX_DEPTH; ++i) iter8_json_end_array(w);
  }));
}

}  // namespace
}  // namespace iter8
