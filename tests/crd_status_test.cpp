// The host knows which status fields a cluster keeps: its copy of the Experiment CRD's status
// schema is the reference CRD's, and a status update writing a field the API server would
// drop gets a warning naming it, in local mode too.
#include "host/loader/crd_status.h"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iter8/testing.hpp"
#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

void dropDescriptions(rapidjson::Value& value) {
  if (value.IsObject()) {
    value.RemoveMember("description");
    for (auto& member : value.GetObject()) dropDescriptions(member.value);
  } else if (value.IsArray()) {
    for (auto& item : value.GetArray()) dropDescriptions(item);
  }
}

TEST(CrdStatus, TheEmbeddedSchemaIsTheReferenceCrds) {
  const std::string crd = std::string(ITER8_SHARED_DIR) + "/reference/crd-experiments.yaml";
  if (!std::filesystem::exists(crd)) GTEST_SKIP() << "reference CRD not found at " << crd;
  rapidjson::Document reference = parseYaml(test::readFile(crd));
  rapidjson::Value& status =
      reference["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"];
  dropDescriptions(status);
  EXPECT_TRUE(status == crdStatusSchema())
      << "host/loader/crd_status.cpp's schema differs from " << crd << ":\n"
      << toJson(status);
}

std::vector<std::string> dropped(const char* patch) {
  return fieldsTheCrdDrops(parseJson(patch));
}

TEST(CrdStatus, NamesWhatAClusterWouldDrop) {
  EXPECT_THAT(dropped(R"({"message":"greeted","completedIterations":2})"), IsEmpty());
  EXPECT_THAT(dropped(R"({"analysis":{"sloAssessments":{"ok":true}}})"),
              ElementsAre("status.analysis.sloAssessments"));
  EXPECT_THAT(dropped(R"({"hello":"x","gone":null})"), ElementsAre("status.hello"));
  EXPECT_THAT(dropped(R"({"analysis":{"winnerAssessment":{"data":{"winner":"v2","why":1}}}})"),
              ElementsAre("status.analysis.winnerAssessment.data.why"));
  EXPECT_THAT(dropped(R"({"conditions":[{"type":"Completed"},{"type":"x","extra":1}]})"),
              ElementsAre("status.conditions[1].extra"));
}

TEST(CrdStatus, KeepsThePreservedSubtreeAndMaps) {
  EXPECT_THAT(dropped(R"({"analysis":{"aggregatedBuiltinHists":{"message":"m",
                         "data":{"v1":{"DurationHistogram":{}},"hello":{"any":{"thing":1}}}}}})"),
              IsEmpty());
  EXPECT_THAT(dropped(R"({"analysis":{"aggregatedMetrics":{"data":{"m":{"max":"1","min":"0",
                         "data":{"v1":{"value":"0.5"}}}}}}})"),
              IsEmpty());
}

TEST(CrdStatus, AStatusUpdateWithADroppedFieldIsWarnedOnceNamingIt) {
  sdk::testing::TestHost host;
  host.load(test::testPluginDir("testkit") + "/testkit.so");
  auto first = host.run("{task: testkit/status, with: {patch: {sloVerdict: pass, message: m}}}");
  ASSERT_TRUE(first.ok()) << first.error;
  EXPECT_THAT(first.messages(ITER8_LOG_WARNING),
              ElementsAre(HasSubstr("status field status.sloVerdict is not declared by the "
                                    "Experiment CRD: in a cluster the API server drops it")));
  EXPECT_EQ(first.status, R"({"sloVerdict":"pass","message":"m"})");  // kept locally
  auto again = host.run("{task: testkit/status, with: {patch: {sloVerdict: fail}}}");
  EXPECT_THAT(again.messages(ITER8_LOG_WARNING), IsEmpty());
  auto kept = host.run(
      "{task: testkit/status, with: {patch: {analysis: {aggregatedBuiltinHists: {data: "
      "{acme.slo: {verdict: pass}}}}}}}");
  EXPECT_THAT(kept.messages(ITER8_LOG_WARNING), IsEmpty());
}

}  // namespace
}  // namespace iter8
