// The status fields a cluster keeps: our table against the Experiment CRD itself, the fields a
// patch would lose, and the warning a task gets for writing one.
#include "host/source/crd_status_fields.h"

#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Every leaf of the CRD's status schema as one of our patterns.
void leavesOf(const rapidjson::Value& schema, const std::string& path, std::set<std::string>& out) {
  auto below = [&](const std::string& segment) {
    return path.empty() ? segment : path + "." + segment;
  };
  if (const rapidjson::Value* keep = findMember(schema, "x-kubernetes-preserve-unknown-fields");
      keep != nullptr && keep->IsBool() && keep->GetBool()) {
    out.insert(below("**"));
    return;
  }
  bool inner = false;
  if (const rapidjson::Value* properties = findMember(schema, "properties");
      properties != nullptr && properties->IsObject()) {
    for (const auto& p : properties->GetObject()) leavesOf(p.value, below(p.name.GetString()), out);
    inner = true;
  }
  if (const rapidjson::Value* items = findMember(schema, "items"); items && items->IsObject()) {
    leavesOf(*items, below("[]"), out);
    inner = true;
  }
  if (const rapidjson::Value* map = findMember(schema, "additionalProperties");
      map != nullptr && map->IsObject()) {
    leavesOf(*map, below("*"), out);
    inner = true;
  }
  if (!inner) out.insert(path);
}

TEST(CrdStatusFields, TheTableIsTheExperimentCrdsStatusSchema) {
  std::ifstream in(std::string(ITER8_SHARED_DIR) + "/reference/crd-experiments.yaml");
  if (!in) GTEST_SKIP() << "../shared/reference/crd-experiments.yaml is absent";
  std::stringstream text;
  text << in.rdbuf();
  const rapidjson::Document crd = parseYaml(text.str());
  const rapidjson::Value* versions = findPath(crd, {"spec", "versions"});
  ASSERT_TRUE(versions != nullptr && versions->IsArray());
  const rapidjson::Value* status = nullptr;
  for (const auto& version : versions->GetArray()) {
    if (const rapidjson::Value* name = findMember(version, "name");
        name != nullptr && name->IsString() && std::string(name->GetString()) == "v2alpha2") {
      status = findPath(version, {"schema", "openAPIV3Schema", "properties", "status"});
    }
  }
  ASSERT_NE(status, nullptr) << "no v2alpha2 status schema";
  std::set<std::string> fromCrd;
  leavesOf(*status, "", fromCrd);
  const std::set<std::string> ours(keptStatusFieldPatterns().begin(),
                                   keptStatusFieldPatterns().end());
  EXPECT_EQ(ours, fromCrd);
}

TEST(CrdStatusFields, APatchLosesWhatTheSchemaDoesNotDeclare) {
  const rapidjson::Document patch = parseJson(R"({
    "stage": "Running",
    "analysis": {
      "sloAssessments": {"v1": true},
      "aggregatedBuiltinHists": {"data": {"v1": {"anything": {"at": ["all"]}}}},
      "aggregatedMetrics": {"data": {"latency": {"data": {"v1": {"value": 3, "unit": "ms"}}}}},
      "versionAssessments": {"data": {"v1": [true, false]}}
    },
    "conditions": [{"type": "Completed", "status": "True"}, {"type": "X", "extra": 1}],
    "gone": null,
    "myTask": {"results": [1, 2]}
  })");
  EXPECT_THAT(statusFieldsACrdDrops(patch),
              ElementsAre("status.analysis.sloAssessments",
                          "status.analysis.aggregatedMetrics.data.latency.data.v1.unit",
                          "status.conditions[1].extra", "status.myTask"));
  EXPECT_TRUE(statusFieldsACrdDrops(parseJson(R"({"completedIterations": 2, "message": "m",
    "versionRecommendedForPromotion": "v2", "analysis": {"winnerAssessment": {"data":
    {"winner": "v2", "winnerFound": true}}}})"))
                  .empty());
}

// In local mode too: an experiment tried on a laptop must not depend on a field the cluster
// would drop. The write itself goes through (the file keeps it).
TEST(CrdStatusFields, ATaskWritingAnUndeclaredFieldIsWarnedAndItsWriteKept) {
  test::TempDir dir;
  const std::string file = dir.write("e.yaml", R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: e}
spec:
  strategy:
    actions:
      start:
      - task: testkit/status
        with:
          patch: {analysis: {sloAssessments: {v1: true}}, stage: assessed}
      loop:
      - task: testkit/status
        with:
          patch: {analysis: {aggregatedBuiltinHists: {data: {mine: {v1: true}}}}}
)");
  auto warned = test::runProcess(test::handlerRunArgv("start", file, dir.file("log"), {"testkit"}));
  ASSERT_EQ(warned.exitCode, 0) << warned.err;
  const std::string warning =
      "action start, task 0 (testkit/status): status field status.analysis.sloAssessments is "
      "not in the Experiment CRD's schema: a cluster's API server drops it";
  EXPECT_THAT(warned.err, HasSubstr(warning));
  EXPECT_THAT(test::readFile(file), HasSubstr("sloAssessments"));
  auto kept = test::runProcess(test::handlerRunArgv("loop", file, dir.file("log"), {"testkit"}));
  ASSERT_EQ(kept.exitCode, 0) << kept.err;
  EXPECT_THAT(kept.err, Not(HasSubstr("not in the Experiment CRD's schema")));
}

}  // namespace
}  // namespace iter8
