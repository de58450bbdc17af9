// iter8::sdk::TaskSpec's typed accessors: what a task's constructor reads from `with:`, and the
// one-line InputError (in the host's words) for an absent or mistyped input.
#include "iter8/task_spec.hpp"

#include <chrono>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace iter8::sdk {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

const char* kSpec = R"({"task":"acme/check","with":{
  "name":"api","on":true,"qps":7.5,"times":3,"whole":2.0,"big":9223372036854775807,
  "huge":1e300,"half":2.5,"tags":["a","b"],"mixed":["a",1],"time":"1m30s","bad":"90",
  "nothing":null}})";

// The message of the InputError `f` throws ("" when it throws none).
template <class F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TaskSpecAccessors, ReadEachType) {
  TaskSpec spec(kSpec);
  EXPECT_EQ(spec.name(), "acme/check");
  EXPECT_EQ(spec.requireString("name"), "api");
  EXPECT_TRUE(spec.requireBool("on"));
  EXPECT_EQ(spec.requireNumber("qps"), 7.5);
  EXPECT_EQ(spec.requireNumber("times"), 3.0);
  EXPECT_EQ(spec.requireInteger("times"), 3);
  EXPECT_EQ(spec.requireInteger("whole"), 2);  // 2.0 is an integer to JSON Schema
  EXPECT_EQ(spec.requireInteger("big"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(spec.requireArray("mixed").Size(), 2u);
  EXPECT_THAT(spec.requireStrings("tags"), ElementsAre("a", "b"));
  EXPECT_EQ(spec.requireDuration("time"), 90s);
}

TEST(TaskSpecAccessors, AbsentOrNullInputsTakeTheFallback) {
  TaskSpec spec(kSpec);
  EXPECT_EQ(spec.optionalString("nothing", "x"), "x");
  EXPECT_FALSE(spec.optionalBool("absent"));
  EXPECT_EQ(spec.optionalNumber("absent", 1.5), 1.5);
  EXPECT_EQ(spec.optionalInteger("nothing", 4), 4);
  EXPECT_EQ(spec.optionalArray("absent"), nullptr);
  EXPECT_TRUE(spec.optionalStrings("absent").empty());
  EXPECT_EQ(spec.optionalDuration("absent", 5s), 5s);
  EXPECT_EQ(spec.optionalInteger("times", 4), 3);  // present: the value, not the fallback
}

TEST(TaskSpecAccessors, RequiredInputsNameTheFieldAndTheType) {
  TaskSpec spec(kSpec);
  EXPECT_EQ(refusal([&] { spec.requireInteger("absent"); }),
            "input 'with.absent' is required; expected an integer");
  EXPECT_EQ(refusal([&] { spec.requireString("nothing"); }),
            "input 'with.nothing' is required; expected a string");
  EXPECT_EQ(refusal([&] { spec.requireDuration("absent"); }),
            "input 'with.absent' is required; expected a Go duration such as \"5s\"");
}

TEST(TaskSpecAccessors, MistypedInputsAreRefusedInTheHostsWords) {
  TaskSpec spec(kSpec);
  EXPECT_EQ(refusal([&] { spec.requireInteger("half"); }),
            "input 'with.half' is a number 2.5; expected an integer within 64 bits");
  EXPECT_EQ(refusal([&] { spec.requireInteger("huge"); }),
            "input 'with.huge' is a number 1e300; expected an integer within 64 bits");
  EXPECT_EQ(refusal([&] { spec.optionalInteger("name", 1); }),
            "input 'with.name' is a string \"api\"; expected an integer");
  EXPECT_EQ(refusal([&] { spec.requireNumber("tags"); }),
            "input 'with.tags' is an array [\"a\",\"b\"]; expected a number");
  EXPECT_EQ(refusal([&] { spec.optionalBool("name"); }),
            "input 'with.name' is a string \"api\"; expected a boolean");
  EXPECT_EQ(refusal([&] { spec.requireStrings("mixed"); }),
            "input 'with.mixed[1]' is a number 1; expected a string");
  EXPECT_EQ(refusal([&] { spec.requireDuration("bad"); }),
            "input 'with.bad' is a string \"90\"; expected a Go duration such as \"5s\" or "
            "\"1m30s\"");
  EXPECT_EQ(refusal([&] { spec.requireDuration("times"); }),
            "input 'with.times' is a number 3; expected a Go duration such as \"5s\" or "
            "\"1m30s\"");
}

TEST(TaskSpecAccessors, ParseGoDurationIsTheHostsParser) {
  EXPECT_EQ(parseGoDuration("1h2m3.5s"), std::chrono::nanoseconds(3'723'500'000'000));
  EXPECT_FALSE(parseGoDuration("5").has_value());
}

}  // namespace
}  // namespace iter8::sdk
