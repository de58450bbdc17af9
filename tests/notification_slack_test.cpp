// notification/slack end to end: the real handler and notification.so posting to a recording
// receiver that stands in for Slack (ITER8_SLACK_API_URL), local secrets, the termination log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/base64.h"
#include "tests/notification_test_support.h"

namespace iter8::notification_test {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr const char* kToken = "xoxb-Test-8Kq2";
constexpr const char* kIconUrl = "https://avatars.githubusercontent.com/u/53243580?s=200&v=4";

// The original's chat.postMessage content (slack-go's JSON of the blocks and attachments it
// built) for a headline and an attachment text.
std::string expectedMessage(const std::string& channel, const std::string& headline,
                            const std::string& details) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  auto section = [&](const std::string& text) {
    rapidjson::Value block(rapidjson::kObjectType);
    rapidjson::Value textObject(rapidjson::kObjectType);
    textObject.AddMember("type", "mrkdwn", a);
    textObject.AddMember("text", rapidjson::Value(text.c_str(), a), a);
    block.AddMember("type", "section", a);
    block.AddMember("text", textObject, a);
    rapidjson::Value list(rapidjson::kArrayType);
    list.PushBack(block, a);
    return list;
  };
  doc.AddMember("channel", rapidjson::Value(channel.c_str(), a), a);
  doc.AddMember("blocks", section(headline), a);
  rapidjson::Value attachment(rapidjson::kObjectType);
  attachment.AddMember("blocks", section(details), a);
  rapidjson::Value attachments(rapidjson::kArrayType);
  attachments.PushBack(attachment, a);
  doc.AddMember("attachments", attachments, a);
  doc.AddMember("icon_url", rapidjson::StringRef(kIconUrl), a);
  return toJson(doc);
}

class NotificationSlack : public NotificationRun {
 protected:
  void SetUp() override {
    env_["ITER8_SLACK_API_URL"] = receiver_.url("/api");
    receiver_.setReply({200, R"({"ok":true,"channel":"C1","ts":"1.2"})", "application/json", {}});
    secret("slack", {{"token", kToken}});
  }
  static std::string task(const std::string& with = "") {
    return "      - task: notification/slack\n        with: {channel: C0123, secret: slack" +
           (with.empty() ? "" : ", " + with) + "}";
  }
};

TEST_F(NotificationSlack, PostsTheOriginalsMessageWithABearerToken) {
  auto result = run(startExperiment(task(), kRecommendV2));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/api/chat.postMessage");
  EXPECT_EQ(requests[0].header("Authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json; charset=utf-8");
  // A fresh experiment: no stage, no analysis, no Failed condition (no "Failed: true": fixed).
  EXPECT_EQ(requests[0].body,
            expectedMessage("C0123", "*Canary experiment on team-a/app*",
                            "*Name:* _team-a/exp-1_\n*Versions:* _app-v1, app-v2_\n"
                            "*Stage:* _Waiting_\n*Winner:* _not found_"));
}

TEST_F(NotificationSlack, WinnerFlaggedButNotNamedIsNotFoundAndFailedNeedsATrueCondition) {
  const std::string status = R"(status:
  stage: Running
  analysis:
    winnerAssessment:
      data: {winnerFound: true}
  conditions:
  - {type: Completed, status: "False"}
  - {type: Failed, status: "True"}
)";
  auto result = run(startExperiment(task(), status));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  ASSERT_EQ(receiver_.requests().size(), 1u);
  rapidjson::Document body = parseJson(receiver_.requests()[0].body);
  EXPECT_STREQ(body["attachments"][0]["blocks"][0]["text"]["text"].GetString(),
               "*Name:* _team-a/exp-1_\n*Versions:* _app-v1, app-v2_\n*Stage:* _Running_\n"
               "*Winner:* _not found_\n*Failed:* _true_");
}

// slack1.yaml is the Go handler's own Slack test experiment (testdata/notification).
TEST_F(NotificationSlack, ReferenceExperimentGetsTheOriginalsMessageByteForByte) {
  auto file = referenceExperiment("slack1.yaml");
  if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " is absent (no ../shared)";
  rapidjson::Document doc = parseYaml(test::readFile(file.string()));
  auto& a = doc.GetAllocator();
  rapidjson::Value actions(rapidjson::kObjectType);
  rapidjson::Document tasks =
      parseJson(R"([{"task":"notification/slack","with":{"channel":"C9","secret":"slack"}}])");
  actions.AddMember("finish", rapidjson::Value(tasks, a), a);
  doc["spec"]["strategy"].AddMember("actions", actions, a);
  secret("slack", {{"token", kToken}});
  // The secret sits in team-a; slack1.yaml is in namespace default.
  dir_.write("secrets/slack.yaml",
             "kind: Secret\nmetadata: {name: slack, namespace: default}\n"
             "stringData: {token: " +
                 std::string(kToken) + "}\n");
  auto result = run(toJson(doc), "info", "finish", "experiment.json");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  ASSERT_EQ(receiver_.requests().size(), 1u);
  EXPECT_EQ(receiver_.requests()[0].body,
            expectedMessage("C9", "*Conformance experiment on bookinfo-iter8/productpage*",
                            "*Name:* _default/conformance-exp_\n*Versions:* _productpage-v1_\n"
                            "*Stage:* _Completed_\n*Winner:* _productpage-v1_"));
}

TEST_F(NotificationSlack, OkFalseIsAFailure) {
  receiver_.setReply({200, R"({"ok":false,"error":"channel_not_found"})", "application/json", {}});
  auto ignored = run(startExperiment(task()));
  EXPECT_EQ(ignored.exitCode, 0) << ignored.err;
  EXPECT_THAT(ignored.err, HasSubstr("Slack answered ok:false (channel_not_found); ignored"));
  EXPECT_EQ(terminationLog(), "");
  auto failed = run(startExperiment(task("ignoreFailure: false")));
  EXPECT_EQ(failed.exitCode, 1) << failed.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("(notification/slack): POST " + receiver_.url("/api/chat.postMessage") +
                        ": Slack answered ok:false (channel_not_found)"));
  receiver_.setReply({500, "down", "text/plain", {}});
  auto down = run(startExperiment(task("ignoreFailure: false")));
  EXPECT_EQ(down.exitCode, 1) << down.err;
  EXPECT_THAT(terminationLog(), HasSubstr("500 Internal Server Error"));
}

TEST_F(NotificationSlack, MissingTokenFailsNamingSecretAndKeyAndSendsNothing) {
  secret("slack", {{"webhook", "not-a-token"}});
  auto result = run(startExperiment(task()));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("input 'with.secret': secret 'slack' has no key 'token'"));
  auto missing = run(startExperiment(task("secret: gone")));
  EXPECT_EQ(missing.exitCode, 1) << missing.err;
  EXPECT_THAT(terminationLog(), HasSubstr("secret 'team-a/gone' not found"));
  EXPECT_THAT(receiver_.requests(), IsEmpty());
}

TEST_F(NotificationSlack, TokenNeverReachesAnyOutputAtTrace) {
  receiver_.setReply(
      {200,
       std::string(R"({"ok":false,"error":"invalid_auth","echo":")") + kToken + "\"}",
       "application/json",
       {}});
  auto result = run(startExperiment(task("ignoreFailure: false")));
  EXPECT_EQ(result.exitCode, 1);
  const std::string everything = result.out + result.err + terminationLog();
  EXPECT_THAT(everything, HasSubstr("invalid_auth"));
  EXPECT_THAT(everything, Not(HasSubstr(kToken)));
  EXPECT_THAT(everything, Not(HasSubstr(encodeBase64(kToken))));
}

TEST_F(NotificationSlack, ChannelAndSecretAreRequiredAndTheApiUrlMustBeHttp) {
  auto noChannel =
      run(startExperiment("      - task: notification/slack\n        with: {secret: slack}"));
  EXPECT_EQ(noChannel.exitCode, 4);
  EXPECT_THAT(noChannel.err, HasSubstr("with.channel"));
  env_["ITER8_SLACK_API_URL"] = "file:///tmp";
  auto badUrl = run(startExperiment(task()));
  EXPECT_EQ(badUrl.exitCode, 4);
  EXPECT_THAT(badUrl.err, HasSubstr("ITER8_SLACK_API_URL"));
  EXPECT_THAT(receiver_.requests(), IsEmpty());
}

// Reference experiments whose actions use notification tasks validate unchanged.
TEST(NotificationReference, ActionsWithNotificationTasksValidateUnchanged) {
  auto dir = referenceExperiment("");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) GTEST_SKIP() << dir << " is absent (no ../shared)";
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    rapidjson::Document doc = parseYaml(test::readFile(entry.path().string()));
    const rapidjson::Value* actions = findPointer(doc, "/spec/strategy/actions");
    if (actions == nullptr || !actions->IsObject()) continue;
    for (const auto& action : actions->GetObject()) {
      if (!action.value.IsArray()) continue;
      bool notifies = false;
      for (const auto& task : action.value.GetArray()) {
        const rapidjson::Value* name = findMember(task, "task");
        notifies = notifies || (name != nullptr && name->IsString() &&
                                std::string(name->GetString()).rfind("notification/", 0) == 0);
      }
      if (!notifies) continue;
      SCOPED_TRACE(entry.path().string() + " action " + action.name.GetString());
      test::TempDir copyDir;
      std::string copy = copyDir.write("exp.yaml", test::readFile(entry.path().string()));
      auto result =
          test::runProcess({test::handlerPath(), "run", "-a", action.name.GetString(), "--dry-run",
                            "-f", copy, "--plugins-dir", test::shippedPluginDir()});
      EXPECT_EQ(result.exitCode, 0) << result.err;
      ++checked;
    }
  }
  if (checked == 0) {
    GTEST_SKIP() << "no reference experiment under " << dir
                 << " has an action with a notification task";
  }
}

// Slack's answers are small: a 200 MB one is refused, not buffered.
TEST_F(NotificationSlack, AHugeAnswerIsRefusedWithoutBufferingIt) {
  testing::Reply reply;
  reply.body = "{\"ok\":true}";
  reply.contentType = "application/json";
  reply.streamedBytes = 200ull << 20;
  receiver_.setReply(reply);
  auto result = run(startExperiment(task("ignoreFailure: false")));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(), HasSubstr("Slack's answer is over 64 KiB (209715200 bytes): "
                                          "not an answer of Slack's API"));
  EXPECT_LT(test::largestChildRssKb(), 100 * 1024) << "kB: the answer was buffered";
}

}  // namespace
}  // namespace iter8::notification_test
