// The fake API server's own behaviour where the other tests rely on it matching kube-apiserver:
// pruning by the Experiment CRD's structural schema, with the warnings a real server sends.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "lib/json.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/structural_pruning.h"
#include "tests/support/test_pki.h"

namespace iter8::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kToken[] = "fake-apiserver-test-token";
constexpr char kPath[] = "/apis/iter8.tools/v2alpha2/namespaces/shop/experiments/canary";

const PemPair& ca() {
  static const PemPair instance = makeCa("fake-apiserver-test-ca");
  return instance;
}

// A schema with each construct the pruning walks: properties, additionalProperties, items,
// x-kubernetes-preserve-unknown-fields and x-kubernetes-embedded-resource.
constexpr char kSchema[] = R"({"type":"object","properties":{
  "spec":{"type":"object","properties":{
    "list":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"}}}},
    "byName":{"type":"object","additionalProperties":{"type":"object",
      "properties":{"value":{"type":"integer"}}}},
    "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true,
      "properties":{"known":{"type":"object","properties":{"a":{"type":"string"}}}}},
    "embedded":{"type":"object","x-kubernetes-embedded-resource":true,
      "properties":{"spec":{"type":"object"}}},
    "opaque":{"type":"object"}}}}})";

TEST(StructuralPruning, KeepsWhatTheSchemaDeclaresAndNamesWhatItDrops) {
  auto schema = parseJson(kSchema);
  auto object = parseJson(R"({"apiVersion":"x/v1","kind":"K","metadata":{"name":"n","any":1},
    "spec":{"list":[{"name":"a","extra":1},{"name":"b"}],
            "byName":{"v1":{"value":3,"unit":"ms"}},
            "free":{"anything":{"deep":[1]},"known":{"a":"x","b":"dropped"}},
            "embedded":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"c":1},"x":2},
            "opaque":{"gone":true},
            "typo":"dropped"},
    "status":{"stage":"Running"}})");
  auto pruned = pruneResource(object, schema);
  EXPECT_THAT(pruned, ElementsAre("spec.list[0].extra", "spec.byName.v1.unit", "spec.free.known.b",
                                  "spec.embedded.spec.c", "spec.embedded.x", "spec.opaque.gone",
                                  "spec.typo", "status"));
  EXPECT_EQ(toJson(object),
            R"({"apiVersion":"x/v1","kind":"K","metadata":{"name":"n","any":1},)"
            R"("spec":{"list":[{"name":"a"},{"name":"b"}],"byName":{"v1":{"value":3}},)"
            R"("free":{"anything":{"deep":[1]},"known":{"a":"x"}},)"
            R"("embedded":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}},)"
            R"("opaque":{}}})");
}

class FakeApiServerPruning : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!server_.prunes()) {
      GTEST_SKIP() << experimentCrdPath() << " is absent: the fake does not prune without it";
    }
    server_.putExperiment("shop", "canary", R"({"apiVersion":"iter8.tools/v2alpha2",
      "kind":"Experiment","metadata":{"name":"canary","namespace":"shop"},
      "spec":{"target":"shop/app","strategy":{"testingPattern":"Canary"}},"status":{}})");
  }

  void TearDown() override { std::remove(caFile_.c_str()); }

  httplib::Result put(const std::string& path, const std::string& body) {
    if (caFile_.empty()) {
      char pattern[] = "/tmp/fake_apiserver_test.XXXXXX";
      int fd = ::mkstemp(pattern);
      EXPECT_GE(fd, 0);
      ::close(fd);
      caFile_ = pattern;
      std::ofstream(caFile_) << ca().certPem;
    }
    httplib::SSLClient client("127.0.0.1", server_.port());
    client.set_ca_cert_path(caFile_);
    client.enable_server_certificate_verification(true);
    client.set_bearer_token_auth(kToken);
    return client.Put(path, body, "application/json");
  }

  FakeApiServer server_{ca(), issueServerCert(ca(), "apiserver"), kToken};
  std::string caFile_;
};

TEST_F(FakeApiServerPruning, StatusKeepsDeclaredFieldsAndPreservedHistogramsWarnsOfTheRest) {
  auto result = put(std::string(kPath) + "/status", R"({"apiVersion":"iter8.tools/v2alpha2",
    "kind":"Experiment","metadata":{"name":"canary","namespace":"shop"},
    "spec":{"target":"shop/app","strategy":{"testingPattern":"Canary"}},
    "status":{"stage":"Running","runs":2,"analysis":{"note":"lost","aggregatedBuiltinHists":{
      "provenance":"p","timestamp":"2026-12-07T00:00:00Z","extra":1,
      "data":{"v1":{"DurationHistogram":{"Count":3,"Data":[{"Start":0.1}]},"anything":true}}}}}})");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->get_header_value_count("Warning"), 3u);
  EXPECT_EQ(result->get_header_value("Warning", 0), R"(299 - "unknown field \"status.runs\"")");
  auto stored = server_.experiment("shop", "canary");
  EXPECT_EQ(toJson(stored["status"]),
            R"({"stage":"Running","analysis":{"aggregatedBuiltinHists":{"provenance":"p",)"
            R"("timestamp":"2026-12-07T00:00:00Z","data":{"v1":{"DurationHistogram":)"
            R"({"Count":3,"Data":[{"Start":0.1}]},"anything":true}}}}})");
  EXPECT_THAT(
      server_.warnings(),
      ElementsAre(R"(299 - "unknown field \"status.runs\"")",
                  R"(299 - "unknown field \"status.analysis.note\"")",
                  R"(299 - "unknown field \"status.analysis.aggregatedBuiltinHists.extra\"")"));
}

TEST_F(FakeApiServerPruning, SpecWritesArePrunedTooAndACleanWriteHasNoWarning) {
  auto clean = put(kPath, R"({"apiVersion":"iter8.tools/v2alpha2","kind":"Experiment",
    "metadata":{"name":"canary","namespace":"shop"},"spec":{"target":"shop/other",
    "strategy":{"testingPattern":"Canary"}}})");
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->status, 200) << clean->body;
  EXPECT_FALSE(clean->has_header("Warning"));
  EXPECT_THAT(server_.warnings(), IsEmpty());

  auto typo = put(kPath, R"({"apiVersion":"iter8.tools/v2alpha2","kind":"Experiment",
    "metadata":{"name":"canary","namespace":"shop"},"spec":{"target":"shop/other","tagret":"x",
    "strategy":{"testingPattern":"Canary"}}})");
  ASSERT_TRUE(typo);
  EXPECT_EQ(typo->get_header_value("Warning"), R"(299 - "unknown field \"spec.tagret\"")");
  auto stored = server_.experiment("shop", "canary");
  EXPECT_EQ(toJson(stored["spec"]),
            R"({"target":"shop/other","strategy":{"testingPattern":"Canary"}})");
}

}  // namespace
}  // namespace iter8::testing
