// notification/http end to end: the real handler and notification.so, a recording receiver
// on 127.0.0.1, local secrets, the termination log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/base64.h"
#include "tests/notification_test_support.h"

namespace iter8::notification_test {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class NotificationHttp : public NotificationRun {
 protected:
  // One notification/http task posting to the receiver's `path` with `with` (YAML flow
  // mapping members after URL, e.g. "ignoreFailure: false").
  std::string task(const std::string& path, const std::string& with = "") {
    return "      - task: notification/http\n        with: {URL: '" + receiver_.url(path) + "'" +
           (with.empty() ? "" : ", " + with) + "}";
  }
};

TEST_F(NotificationHttp, DefaultsPostTheOriginalsSummaryAsJson) {
  auto result = run(startExperiment(task("/hook"), kRecommendV2), "info");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/hook");
  EXPECT_EQ(request.header("Content-Type"), "application/json");
  EXPECT_FALSE(request.has("Authorization"));
  EXPECT_THAT(request.header("User-Agent"), HasSubstr("iter8-handler/"));
  rapidjson::Document body = parseJson(request.body);
  ASSERT_TRUE(body.IsObject());
  EXPECT_EQ(body.MemberCount(), 2u);
  EXPECT_EQ(toJson(body["summary"]),
            R"({"winnerFound":false,"versionRecommendedForPromotion":"app-v2"})");
  EXPECT_TRUE(body["experiment"] == experimentAsRun());
  EXPECT_THAT(result.err, HasSubstr("POST " + receiver_.url("/hook") + ": 200 OK"));
}

TEST_F(NotificationHttp, DefaultBodyCarriesWinnerAndLastRecommendedWeights) {
  const std::string status = R"(status:
  versionRecommendedForPromotion: app-v2
  analysis:
    winnerAssessment:
      data: {winnerFound: true, winner: app-v2}
    weights:
      data:
      - {name: app-v1, value: 25}
      - {name: app-v2, value: 75}
)";
  auto result = run(startExperiment(task("/hook"), status), "info");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  ASSERT_EQ(receiver_.requests().size(), 1u);
  rapidjson::Document body = parseJson(receiver_.requests()[0].body);
  EXPECT_EQ(
      toJson(body["summary"]),
      R"({"winnerFound":true,"winner":"app-v2","versionRecommendedForPromotion":"app-v2",)"
      R"("lastRecommendedWeights":[{"name":"app-v1","value":25},{"name":"app-v2","value":75}]})");
}

TEST_F(NotificationHttp, EachAuthTypeSendsItsExactHeaders) {
  secret("creds", {{"username", "alice"},
                   {"password", "pa+ss/w=rd"},
                   {"token", "tok-123"},
                   {"apikey", "key-456"}});
  auto result = run(startExperiment(task("/basic?x=1", "authType: Basic, secret: creds") + "\n" +
                                        task("/bearer",
                                             "authType: Bearer, secret: creds, method: PUT, "
                                             "body: 'plain text'") +
                                        "\n" +
                                        task("/apikey",
                                             "authType: APIKey, secret: creds, headers: "
                                             "[{name: X-API-Key, value: '{{ .secret.apikey }}'}]") +
                                        "\n" + task("/none", "method: GET, body: ''"),
                                    kRecommendV2));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 4u);

  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/basic");
  EXPECT_EQ(requests[0].query, "x=1");
  EXPECT_EQ(requests[0].header("Authorization"), "Basic " + encodeBase64("alice:pa+ss/w=rd"));
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");

  EXPECT_EQ(requests[1].method, "PUT");
  EXPECT_EQ(requests[1].path, "/bearer");
  EXPECT_EQ(requests[1].header("Authorization"), "Bearer tok-123");
  EXPECT_EQ(requests[1].body, "plain text");

  EXPECT_EQ(requests[2].path, "/apikey");
  EXPECT_FALSE(requests[2].has("Authorization"));
  EXPECT_EQ(requests[2].header("X-API-Key"), "key-456");

  EXPECT_EQ(requests[3].method, "GET");
  EXPECT_FALSE(requests[3].has("Authorization"));
  EXPECT_EQ(requests[3].body, "");
}

TEST_F(NotificationHttp, HeadersReplaceContentTypeAndAuthTypeWinsOverAnAuthorizationHeader) {
  secret("creds", {{"token", "tok-123"}});
  auto result = run(startExperiment(task("/hook",
                                         "authType: Bearer, secret: creds, headers: "
                                         "[{name: content-type, value: text/plain}, "
                                         "{name: Authorization, value: mine}]")));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  ASSERT_EQ(receiver_.requests().size(), 1u);
  const auto request = receiver_.requests()[0];
  EXPECT_EQ(request.header("Content-Type"), "text/plain");
  EXPECT_EQ(request.header("Authorization"), "Bearer tok-123");
  int contentTypes = 0;
  for (const auto& header : request.headers)
    contentTypes += header.first == "Content-Type" || header.first == "content-type";
  EXPECT_EQ(contentTypes, 1);
}

TEST_F(NotificationHttp, UrlHeadersAndBodyInterpolateInBothDelimiterStyles) {
  secret("creds", {{"token", "tok-123"}});
  const std::string base = receiver_.url("");
  auto result =
      run(startExperiment(
              "      - task: notification/http\n"
              "        with:\n"
              "          url: '" +
                  base +
                  "/go/{{ .this.metadata.namespace }}/{{ .name }}?tag={{ .tag }}'\n"
                  "          secret: creds\n"
                  "          headers: [{name: X-Version, value: '{{ .name }}'}, {name: X-Token, "
                  "value: 'T {{ .secret.token }}'}]\n"
                  "          body: '{\"target\":\"{{ .this.spec.target }}\",\"promote\":\"{{ "
                  ".promote }}\",\"missing\":\"{{ .this.status.nothing.here }}\"}'\n"
                  "      - task: notification/http\n"
                  "        with:\n"
                  "          URL: '" +
                  base +
                  "/etc3/@< .this.metadata.name >@'\n"
                  "          secret: creds\n"
                  "          headers: [{name: X-Token, value: '@< .secret.token >@'}]\n"
                  "          body: '@< .name >@ keeps {{ .name }} as text'\n"
                  "          versionInfo: [{variables: [{name: x, value: y}]}]",
              kRecommendV2),
          "info");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/go/team-a/app-v2");
  EXPECT_EQ(requests[0].query, "tag=2.0");
  EXPECT_EQ(requests[0].header("X-Version"), "app-v2");
  EXPECT_EQ(requests[0].header("X-Token"), "T tok-123");
  // No HTML escaping; a missing key prints "" as the original's html/template did.
  EXPECT_EQ(requests[0].body, R"({"target":"team-a/app","promote":"a+b&c<d>"e'","missing":""})");
  EXPECT_THAT(result.err, HasSubstr("template key .this.status.nothing.here is missing"));
  EXPECT_EQ(requests[1].path, "/etc3/exp-1");
  EXPECT_EQ(requests[1].header("X-Token"), "tok-123");
  EXPECT_EQ(requests[1].body, "app-v2 keeps {{ .name }} as text");
  EXPECT_THAT(result.err, Not(HasSubstr("unknown input")));  // etc3's versionInfo
}

TEST_F(NotificationHttp, MissingSecretFailsNamingItAndSendsNothing) {
  auto result = run(startExperiment(task("/hook", "authType: Bearer, secret: nope")));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(), HasSubstr("action start, task 0 (notification/http): input "
                                          "'with.secret': secret 'team-a/nope' not found"));
  EXPECT_THAT(receiver_.requests(), IsEmpty());
}

TEST_F(NotificationHttp, MissingSecretKeyFailsNamingSecretAndKeyAndSendsNothing) {
  const std::string value = "only-the-user-xyz";
  secret("creds", {{"username", value}});
  auto basic = run(startExperiment(task("/hook", "authType: Basic, secret: creds")));
  EXPECT_EQ(basic.exitCode, 1) << basic.err;
  EXPECT_THAT(terminationLog(),
              HasSubstr("input 'with.secret': secret 'creds' has no key 'password'"));

  auto body = run(startExperiment(task("/hook", "secret: creds, body: 'k={{ .secret.apikey }}'")));
  EXPECT_EQ(body.exitCode, 1) << body.err;
  EXPECT_THAT(terminationLog(), HasSubstr("input 'with.body': secret 'creds' has no key 'apikey'"));

  auto unset = run(
      startExperiment(task("/hook", "headers: [{name: X-Key, value: '@< .secret.apikey >@'}]")));
  EXPECT_EQ(unset.exitCode, 1) << unset.err;
  EXPECT_THAT(terminationLog(), HasSubstr("input 'with.headers[0].value': the template reads "
                                          ".secret.apikey but with.secret is not set"));
  EXPECT_THAT(receiver_.requests(), IsEmpty());
  EXPECT_THAT(terminationLog() + basic.err + body.err, Not(HasSubstr(value)));
}

TEST_F(NotificationHttp, OnlyTopLevelSecretReferencesNeedTheSecret) {
  // A comment and a field of the experiment named "secret" are not reads of with.secret.
  auto result = run(
      startExperiment(task("/hook", "body: '{{/* .secret.token */}}[{{ .this.secret.token }}]'")),
      "info");
  EXPECT_EQ(result.exitCode, 0) << result.err;
  ASSERT_EQ(receiver_.requests().size(), 1u);
  EXPECT_EQ(receiver_.requests()[0].body, "[]");
}

TEST_F(NotificationHttp, BadTemplateFailsAndNeverSendsTheRawTemplate) {
  auto result = run(startExperiment(task("/hook", "body: '{{ .this.metadata.name '")));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_THAT(terminationLog(), HasSubstr("(notification/http): input 'with.body': template: "));
  // A construct the engine refuses fails when rendered, before anything is sent.
  auto unsupported = run(startExperiment(task("/hook", "body: '{{ define \"x\" }}y{{ end }}'")));
  EXPECT_EQ(unsupported.exitCode, 1) << unsupported.err;
  EXPECT_THAT(receiver_.requests(), IsEmpty());
}

struct FailureCase {
  const char* name;
  int status;            // the receiver's answer; 0: see below
  bool refused;          // nothing listens
  bool slow;             // answers after the task's time limit
  const char* expected;  // in the termination log
};

class NotificationHttpFailures : public NotificationHttp,
                                 public ::testing::WithParamInterface<FailureCase> {
 protected:
  std::string url() {
    const FailureCase& c = GetParam();
    if (c.refused) {
      return "http://127.0.0.1:" + std::to_string(testing::unusedLoopbackPort()) +
             "/hook?token=query-secret";
    }
    if (c.slow) receiver_.setReply({200, "late", "text/plain", std::chrono::milliseconds(3000)});
    if (c.status != 0) receiver_.setReply({c.status, "nope", "text/plain", {}});
    return receiver_.url("/hook?token=query-secret");
  }
};

TEST_P(NotificationHttpFailures, AreIgnoredByDefaultAndFailTheTaskWhenIgnoreFailureIsFalse) {
  const FailureCase& c = GetParam();
  const std::string target = url();
  const std::string shown = target.substr(0, target.find('?'));
  auto ignored = run(startExperiment("      - task: notification/http\n        with: {URL: '" +
                                     target + "', timeoutSeconds: 1}"));
  EXPECT_EQ(ignored.exitCode, 0) << ignored.err;
  EXPECT_EQ(terminationLog(), "");
  EXPECT_THAT(ignored.err, HasSubstr("POST " + shown + ": "));
  EXPECT_THAT(ignored.err, HasSubstr(c.expected));
  EXPECT_THAT(ignored.err, HasSubstr("ignored (ignoreFailure is not false)"));

  auto failed = run(startExperiment("      - task: notification/http\n        with: {URL: '" +
                                    target + "', timeoutSeconds: 1, ignoreFailure: false}"));
  EXPECT_EQ(failed.exitCode, 1) << failed.err;
  std::string log = terminationLog();
  EXPECT_THAT(log, HasSubstr("action start, task 0 (notification/http): POST " + shown + ": "));
  EXPECT_THAT(log, HasSubstr(c.expected));
  EXPECT_THAT(log + failed.err + ignored.err, Not(HasSubstr("query-secret")));
  if (!c.refused) {
    EXPECT_EQ(receiver_.requests().size(), 2u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Each, NotificationHttpFailures,
    ::testing::Values(FailureCase{"Status4xx", 404, false, false, "404 Not Found"},
                      FailureCase{"Status5xx", 500, false, false, "500 Internal Server Error"},
                      FailureCase{"Refused", 0, true, false, "curl error 7"},
                      FailureCase{"Timeout", 0, false, true, "curl error 28"}),
    [](const auto& testInfo) { return std::string(testInfo.param.name); });

TEST_F(NotificationHttp, RetriesConnectionErrorsAnd5xxButNot4xx) {
  receiver_.setReply({503, "busy", "text/plain", {}});
  auto busy = run(startExperiment(task("/hook", "retries: 2, ignoreFailure: false")));
  EXPECT_EQ(busy.exitCode, 1) << busy.err;
  EXPECT_EQ(receiver_.requests().size(), 3u);
  EXPECT_THAT(busy.err, HasSubstr("retry 1 of 2 in 1 s"));
  EXPECT_THAT(busy.err, HasSubstr("retry 2 of 2 in 2 s"));
  EXPECT_THAT(terminationLog(), HasSubstr("503 Service Unavailable (attempt 3)"));

  receiver_.setReply({400, "bad", "text/plain", {}});
  auto bad = run(startExperiment(task("/hook", "retries: 2")));
  EXPECT_EQ(bad.exitCode, 0) << bad.err;
  EXPECT_EQ(receiver_.requests().size(), 4u);  // one more: a 4xx is final

  const std::string refused =
      "http://127.0.0.1:" + std::to_string(testing::unusedLoopbackPort()) + "/hook";
  auto down = run(startExperiment("      - task: notification/http\n        with: {URL: '" +
                                  refused + "', retries: 1, ignoreFailure: false}"));
  EXPECT_EQ(down.exitCode, 1) << down.err;
  EXPECT_THAT(down.err, HasSubstr("retry 1 of 1 in 1 s"));
  EXPECT_THAT(terminationLog(), HasSubstr("(attempt 2)"));
}

TEST_F(NotificationHttp, SigtermEndsTheWaitBetweenRetries) {
  receiver_.setReply({503, "busy", "text/plain", {}});
  options_.terminateAfter = std::chrono::milliseconds(1500);  // during the 2 s wait
  auto start = std::chrono::steady_clock::now();
  auto result = run(startExperiment(task("/hook", "retries: 5")));
  EXPECT_EQ(result.exitCode, 5) << result.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(receiver_.requests().size(), 2u);
  EXPECT_THAT(terminationLog(), HasSubstr("cancelled while waiting to retry"));
}

TEST_F(NotificationHttp, SigtermAbandonsARequestInFlight) {
  receiver_.setReply({200, "late", "text/plain", std::chrono::milliseconds(20000)});
  options_.terminateAfter = std::chrono::milliseconds(1000);
  auto start = std::chrono::steady_clock::now();
  auto result = run(startExperiment(task("/hook", "timeoutSeconds: 60")));
  EXPECT_EQ(result.exitCode, 5) << result.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
  EXPECT_THAT(terminationLog(), HasSubstr("cancelled while waiting for the answer"));
}

TEST_F(NotificationHttp, ResponseBodyIsLoggedAtDebugOnlyAndNeverWhenASecretWasUsed) {
  receiver_.setReply({200, "receiver-says-hello", "text/plain", {}});
  auto info = run(startExperiment(task("/hook")), "info");
  EXPECT_EQ(info.exitCode, 0) << info.err;
  EXPECT_THAT(info.err, Not(HasSubstr("receiver-says-hello")));
  auto debug = run(startExperiment(task("/hook")), "debug");
  EXPECT_THAT(debug.err, HasSubstr("response body: receiver-says-hello"));
  secret("creds", {{"token", "tok-123"}});
  auto withSecret = run(startExperiment(task("/hook", "authType: Bearer, secret: creds")), "trace");
  EXPECT_EQ(withSecret.exitCode, 0) << withSecret.err;
  EXPECT_THAT(withSecret.err, Not(HasSubstr("receiver-says-hello")));
  EXPECT_THAT(withSecret.err, HasSubstr("response body not logged"));
}

TEST_F(NotificationHttp, NoSecretValueNorItsBase64ReachesAnyOutputAtTrace) {
  const std::string user = "user-Q7x";
  const std::string password = "pw+/=&<>-9Zk";
  const std::string token = "tok-Vb82LmQ";
  secret("creds", {{"username", user}, {"password", password}, {"token", token}});
  // An echoing receiver sends the request back, secrets included; failing makes every
  // message path run (warning, error, termination log).
  receiver_.setReply({500,
                      "Authorization: Basic " + encodeBase64(user + ":" + password) +
                          " token=" + token + " password=" + password,
                      "text/plain",
                      {}});
  auto result =
      run(startExperiment(task("/hook",
                               "authType: Basic, secret: creds, ignoreFailure: false, "
                               "headers: [{name: X-Token, value: '{{ .secret.token }}'}], "
                               "body: 'p={{ .secret.password }}'")));
  EXPECT_EQ(result.exitCode, 1) << result.err;
  ASSERT_EQ(receiver_.requests().size(), 1u);
  EXPECT_EQ(receiver_.requests()[0].body, "p=" + password);
  const std::string everything = result.out + result.err + terminationLog();
  for (const std::string& value :
       {user, password, token, encodeBase64(user), encodeBase64(password), encodeBase64(token),
        encodeBase64(user + ":" + password)}) {
    EXPECT_THAT(everything, Not(HasSubstr(value))) << value;
  }
}

TEST_F(NotificationHttp, BadInputsAreRefusedBeforeAnyTaskRuns) {
  auto noSecret = run(startExperiment(task("/hook", "authType: Bearer")));
  EXPECT_EQ(noSecret.exitCode, 4);
  EXPECT_THAT(noSecret.err, HasSubstr("input 'with.secret' is required when authType is Bearer"));
  auto badUrl = run(startExperiment(
      "      - task: notification/http\n        with: {URL: 'ftp://example.com/x?key=k'}"));
  EXPECT_EQ(badUrl.exitCode, 4);
  EXPECT_THAT(badUrl.err,
              HasSubstr("'ftp://example.com/x' is not an absolute http:// or https:// URL"));
  auto badAuth = run(startExperiment(task("/hook", "authType: Digest")));
  EXPECT_EQ(badAuth.exitCode, 4);
  auto noUrl = run(startExperiment("      - task: notification/http\n        with: {body: x}"));
  EXPECT_EQ(noUrl.exitCode, 4);
  EXPECT_THAT(receiver_.requests(), IsEmpty());
}

TEST_F(NotificationHttp, DryRunValidatesWithoutSending) {
  auto result = run(startExperiment(task("/hook", "authType: Bearer, secret: absent")), "info",
                    "start", "experiment.yaml", {"--dry-run"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(receiver_.requests(), IsEmpty());
}

TEST_F(NotificationHttp, DescribeShowsTheCompleteSchemaWithDefaults) {
  auto result = test::runProcess({test::handlerPath(), "plugins", "describe", "notification/http",
                                  "--json", "--plugins-dir", test::shippedPluginDir()});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  for (const char* input : {"\"URL\"", "\"method\"", "\"authType\"", "\"secret\"", "\"headers\"",
                            "\"body\"", "\"ignoreFailure\"", "\"timeoutSeconds\"", "\"retries\""}) {
    EXPECT_THAT(result.out, HasSubstr(input));
  }
  EXPECT_THAT(result.out, HasSubstr("\"default\": \"POST\""));
  EXPECT_THAT(result.out, HasSubstr("\"default\": 5"));
  EXPECT_THAT(result.out, HasSubstr("\"default\": true"));
}

// The reference experiment the original's own test used (testdata/experiment1.yaml): the
// default body has the original's summary, and the experiment as read.
TEST_F(NotificationHttp, DefaultBodyOfReferenceExperimentMatchesTheOriginalKeyForKey) {
  auto file = referenceExperiment("experiment1.yaml");
  if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " is absent (no ../shared)";
  rapidjson::Document doc = parseYaml(test::readFile(file.string()));
  auto& a = doc.GetAllocator();
  rapidjson::Document tasks = parseJson(R"([{"task":"notification/http","with":{"URL":")" +
                                        receiver_.url("/hook") + R"("}}])");
  doc["spec"]["strategy"]["actions"].AddMember("notify", rapidjson::Value(tasks, a), a);
  auto result = run(toJson(doc), "info", "notify", "experiment.json");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  ASSERT_EQ(receiver_.requests().size(), 1u);
  rapidjson::Document body = parseJson(receiver_.requests()[0].body);
  // The Go handler's test expected exactly this summary for experiment1.yaml.
  EXPECT_EQ(toJson(body["summary"]),
            R"({"winnerFound":false,"versionRecommendedForPromotion":"default"})");
  std::vector<std::string> keys;
  for (const auto& member : body.GetObject()) keys.push_back(member.name.GetString());
  EXPECT_EQ(keys, (std::vector<std::string>{"summary", "experiment"}));
  EXPECT_TRUE(body["experiment"] == doc);
  EXPECT_STREQ(body["experiment"]["metadata"]["name"].GetString(), "sklearn-iris-experiment-1");
}

// A receiver answering with 200 MB costs the handler no more memory than a short answer: the
// answer is read to its end and dropped past the 1 KiB the debug line shows.
TEST_F(NotificationHttp, AHugeAnswerIsReadButNotKept) {
  testing::Reply reply;
  reply.body = "0123456789abcdef";
  reply.streamedBytes = 200ull << 20;
  receiver_.setReply(reply);
  auto result = run(startExperiment(task("/hook")), "debug");
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("response body: 0123456789abcdef0123"));
  EXPECT_THAT(result.err, HasSubstr("... (209715200 bytes)"));
  EXPECT_LT(test::largestChildRssKb(), 100 * 1024) << "kB: the answer was kept";
}

}  // namespace
}  // namespace iter8::notification_test
