// The Kubernetes client against the fake API server: configuration the way client-go finds
// it, TLS, retries, conflicts, error messages, secrets, and that no credential is ever logged.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "host/log.h"
#include "host/source/kube/api_warnings.h"
#include "host/source/kube/client.h"
#include "host/source/kube/config.h"
#include "host/source/kube_source.h"
#include "lib/base64.h"
#include "lib/json.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/test_pki.h"

namespace iter8 {
namespace {

using namespace std::chrono_literals;
using kube::KubeClient;
using kube::KubeError;
using ::testing::ElementsAre;
using testing::FakeApiServer;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::PemPair;

constexpr char kToken[] = "tok-3f9a1c7e5b2d4f60";
constexpr char kClientUser[] = "iter8-test-user";
constexpr char kExperiment[] =
    R"({"apiVersion":"iter8.tools/v2alpha2","kind":"Experiment",)"
    R"("metadata":{"name":"exp","namespace":"default"},"spec":{"target":"app"},)"
    R"("status":{"stage":"Running"}})";

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value.second) {
        ::setenv(name.c_str(), value.first.c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  void set(const std::string& name, const std::string& value) {
    save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    save(name);
    ::unsetenv(name.c_str());
  }

 private:
  void save(const std::string& name) {
    if (saved_.count(name)) return;
    const char* old = std::getenv(name.c_str());
    saved_[name] = {old ? old : "", old != nullptr};
  }
  std::map<std::string, std::pair<std::string, bool>> saved_;
};

// One CA for the whole suite: key generation is the slow part.
const PemPair& ca() {
  static const PemPair instance = testing::makeCa("fake-apiserver-ca");
  return instance;
}

class KubeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/kube_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    server_ = std::make_unique<FakeApiServer>(ca(), testing::issueServerCert(ca(), "apiserver"),
                                              kToken, kClientUser);
    server_->putExperiment("default", "exp", kExperiment);
    // Keep the environment from leaking into configuration lookups.
    env_.unset("KUBECONFIG");
    env_.unset("KUBERNETES_SERVICE_HOST");
    env_.unset("KUBERNETES_SERVICE_PORT");
    env_.unset("POD_NAMESPACE");
    env_.unset("ITER8_SERVICEACCOUNT_DIR");
    env_.set("HOME", dir_);
    // Capture every log line, unredacted, at trace level.
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged_);
    logger().sinks().push_back(sink_);
    setLogLevel(spdlog::level::trace);
  }

  void TearDown() override {
    auto& sinks = logger().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    setLogLevel(spdlog::level::info);
    std::string ignored = "rm -rf '" + dir_ + "'";
    EXPECT_EQ(std::system(ignored.c_str()), 0);
  }

  std::string write(const std::string& name, const std::string& content, int mode = 0600) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    ::chmod(path.c_str(), static_cast<mode_t>(mode));
    return path;
  }

  // A kubeconfig with one cluster (this server, CA file ca.crt) and one user of `userYaml`.
  std::string kubeconfig(const std::string& userYaml, const std::string& clusterExtra = "") {
    write("ca.crt", ca().certPem);
    return write(
        "config",
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
        "contexts:\n- name: test\n  context: {cluster: fake, user: me, namespace: team-a}\n"
        "clusters:\n- name: fake\n  cluster:\n    server: " +
            server_->url() + "/\n    certificate-authority: ca.crt\n" + clusterExtra +
            "users:\n- name: me\n  user:\n" + userYaml);
  }

  static kube::RetryPolicy fastPolicy() {
    kube::RetryPolicy policy;
    policy.requestTimeout = 2s;
    policy.initialBackoff = 20ms;
    policy.maxBackoff = 100ms;
    policy.deadline = 1s;
    return policy;
  }

  KubeClient clientFor(const std::string& kubeconfigPath) {
    return KubeClient(kube::loadKubeconfig(kubeconfigPath), fastPolicy());
  }

  std::string dir_;
  ScopedEnv env_;
  std::unique_ptr<FakeApiServer> server_;
  std::ostringstream logged_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

std::string stageOf(const rapidjson::Document& experiment) {
  return experiment["status"]["stage"].GetString();
}

TEST_F(KubeTest, InClusterConfigReadsTheServiceAccountFolder) {
  write("token", std::string(kToken) + "\n");
  write("ca.crt", ca().certPem);
  write("namespace", "team-a");
  env_.set("KUBERNETES_SERVICE_HOST", "127.0.0.1");
  env_.set("KUBERNETES_SERVICE_PORT", std::to_string(server_->port()));
  env_.set("ITER8_SERVICEACCOUNT_DIR", dir_);

  kube::ClusterConfig config = kube::loadConfig({});
  EXPECT_EQ(config.server, server_->url());
  EXPECT_EQ(config.defaultNamespace, "team-a");
  EXPECT_EQ(config.tls.caFile, dir_ + "/ca.crt");
  KubeClient client(std::move(config), fastPolicy());
  EXPECT_EQ(stageOf(client.getExperiment("default", "exp")), "Running");
}

TEST_F(KubeTest, InClusterTokenIsReReadWhenTheFileRotates) {
  write("token", kToken);
  write("ca.crt", ca().certPem);
  env_.set("KUBERNETES_SERVICE_HOST", "127.0.0.1");
  env_.set("KUBERNETES_SERVICE_PORT", std::to_string(server_->port()));
  KubeClient client(kube::loadInClusterConfig(dir_), fastPolicy());
  EXPECT_EQ(client.config().defaultNamespace, "default");
  client.getExperiment("default", "exp");

  // Projected tokens are replaced atomically: a new file renamed over the old one.
  const std::string rotated = "tok-rotated-77c1e0a9b8";
  write("token.new", rotated);
  ASSERT_EQ(::rename((dir_ + "/token.new").c_str(), (dir_ + "/token").c_str()), 0);
  server_->setToken(rotated);
  EXPECT_EQ(stageOf(client.getExperiment("default", "exp")), "Running");
  for (const auto& line : server_->requestLog()) EXPECT_THAT(line, HasSubstr("-> 200"));
}

TEST_F(KubeTest, KubeconfigWithTokenResolvesRelativeCaAndNamespace) {
  std::string path = kubeconfig(std::string("    token: ") + kToken + "\n");
  env_.set("KUBECONFIG", dir_ + "/missing:" + path);  // the first existing file is used
  kube::ClusterConfig config = kube::loadConfig({});
  EXPECT_EQ(config.server, server_->url());  // trailing slash dropped
  EXPECT_EQ(config.tls.caFile, dir_ + "/ca.crt");
  EXPECT_EQ(config.defaultNamespace, "team-a");
  KubeClient client(std::move(config), fastPolicy());
  EXPECT_EQ(stageOf(client.getExperiment("default", "exp")), "Running");
}

TEST_F(KubeTest, KubeconfigWithClientCertificateDataAndFiles) {
  server_->setToken("a-token-nobody-sends");
  PemPair client = testing::issueClientCert(ca(), kClientUser);
  std::string inline_ = kubeconfig("    client-certificate-data: " + encodeBase64(client.certPem) +
                                   "\n    client-key-data: " + encodeBase64(client.keyPem) + "\n");
  EXPECT_EQ(stageOf(clientFor(inline_).getExperiment("default", "exp")), "Running");

  write("client.crt", client.certPem);
  write("client.key", client.keyPem);
  std::string files =
      kubeconfig("    client-certificate: client.crt\n    client-key: client.key\n");
  EXPECT_EQ(stageOf(clientFor(files).getExperiment("default", "exp")), "Running");

  // A certificate from another CA is rejected with 401, as kube-apiserver does.
  PemPair stranger = testing::issueClientCert(testing::makeCa("other-ca"), kClientUser);
  write("client.crt", stranger.certPem);
  write("client.key", stranger.keyPem);
  auto started = std::chrono::steady_clock::now();
  try {
    clientFor(files).getExperiment("default", "exp");
    FAIL() << "expected KubeError";
  } catch (const KubeError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_THAT(e.what(), HasSubstr("unauthorized (401)"));
    EXPECT_THAT(e.what(), HasSubstr("client certificate of kubeconfig " + files));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);  // final, not retried
}

TEST_F(KubeTest, ConfigSearchOrderIsExplicitKubeconfigInClusterThenHome) {
  try {
    kube::loadConfig({});
    FAIL() << "expected ConfigError";
  } catch (const kube::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no Kubernetes configuration found"));
    EXPECT_THAT(e.what(), HasSubstr(dir_ + "/.kube/config"));
  }
  std::string path = kubeconfig(std::string("    token: ") + kToken + "\n");
  ASSERT_EQ(::mkdir((dir_ + "/.kube").c_str(), 0700), 0);
  ASSERT_EQ(::rename(path.c_str(), (dir_ + "/.kube/config").c_str()), 0);
  write(".kube/ca.crt", ca().certPem);
  EXPECT_THAT(kube::loadConfig({}).source, HasSubstr(dir_ + "/.kube/config"));

  write("token", kToken);
  env_.set("KUBERNETES_SERVICE_HOST", "::1");
  env_.set("KUBERNETES_SERVICE_PORT", "6443");
  kube::ClusterConfig inCluster = kube::loadConfig({"", "", dir_});
  EXPECT_EQ(inCluster.server, "https://[::1]:6443");
  EXPECT_THAT(inCluster.source, HasSubstr("in-cluster"));

  std::string explicitPath = kubeconfig(std::string("    token: ") + kToken + "\n");
  EXPECT_THAT(kube::loadConfig({explicitPath, "", dir_}).source, HasSubstr(explicitPath));
}

TEST_F(KubeTest, KubeconfigErrorsNameTheFileAndField) {
  auto expectError = [&](const std::string& user, const std::string& expected) {
    try {
      kube::loadKubeconfig(kubeconfig(user));
      FAIL() << "expected ConfigError for " << user;
    } catch (const kube::ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr(dir_ + "/config"));
      EXPECT_THAT(e.what(), HasSubstr(expected));
    }
  };
  expectError("    auth-provider: {name: gcp}\n", "auth-provider");
  expectError("    client-certificate-data: '!!notbase64'\n",
              "client-certificate-data is not valid base64");
  expectError("    client-certificate: c.crt\n", "needs both a client certificate and a key");
  expectError("    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n",
              "not supported");
  try {
    kube::loadKubeconfig(kubeconfig("    token: t\n"), "nope");
    FAIL();
  } catch (const kube::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no contexts entry named \"nope\"; it has test"));
  }
}

TEST_F(KubeTest, ExecPluginTokenIsCachedUntilItExpires) {
  write("plugin.sh",
        "#!/bin/sh\n"
        "[ -n \"$KUBERNETES_EXEC_INFO\" ] || exit 3\n"
        "echo run >> \"$COUNT_FILE\"\n"
        "printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\","
        "\"expirationTimestamp\":\"%s\"}}' \"$1\" \"$PLUGIN_TOKEN\" \"$2\"\n",
        0700);
  auto runs = [&] {
    std::ifstream in(dir_ + "/count");
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  };
  auto config = [&](const std::string& apiVersion, const std::string& expiry) {
    return kubeconfig("    exec:\n      apiVersion: " + apiVersion +
                      "\n      command: ./plugin.sh\n      args: [" + apiVersion + ", \"" + expiry +
                      "\"]\n      env:\n      - {name: PLUGIN_TOKEN, value: " + kToken +
                      "}\n      - {name: COUNT_FILE, value: " + dir_ +
                      "/count}\n      interactiveMode: Never\n");
  };

  KubeClient lasting = clientFor(config("client.authentication.k8s.io/v1", "2999-01-01T00:00:00Z"));
  lasting.getExperiment("default", "exp");
  lasting.getExperiment("default", "exp");
  EXPECT_EQ(runs(), 1);

  KubeClient expired =
      clientFor(config("client.authentication.k8s.io/v1beta1", "2001-01-01T00:00:00+02:00"));
  expired.getExperiment("default", "exp");
  expired.getExperiment("default", "exp");
  EXPECT_EQ(runs(), 3);
}

TEST_F(KubeTest, ExecPluginClientCertificateAuthenticates) {
  server_->setToken("a-token-nobody-sends");
  PemPair client = testing::issueClientCert(ca(), kClientUser);
  // PEM is base64, dashes, spaces and newlines: only the newlines need escaping in JSON.
  auto jsonString = [](std::string pem) {
    for (size_t at = pem.find('\n'); at != std::string::npos; at = pem.find('\n', at + 2)) {
      pem.replace(at, 1, "\\n");
    }
    return "\"" + pem + "\"";
  };
  write("credential.json",
        R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
        R"("status":{"clientCertificateData":)" +
            jsonString(client.certPem) + R"(,"clientKeyData":)" + jsonString(client.keyPem) + "}}");
  // provideClusterInfo: KUBERNETES_EXEC_INFO carries the server and the CA.
  write("plugin.sh",
        "#!/bin/sh\n"
        "case \"$KUBERNETES_EXEC_INFO\" in "
        "*'\"server\":\"https://127.0.0.1:'*'certificate-authority-data'*) ;;\n"
        "  *) exit 4 ;;\nesac\n"
        "cat \"$CREDENTIAL\"\n",
        0700);
  std::string path = kubeconfig(
      "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
      "      command: ./plugin.sh\n      provideClusterInfo: true\n"
      "      env: [{name: CREDENTIAL, value: " +
      dir_ + "/credential.json}]\n");
  EXPECT_EQ(stageOf(clientFor(path).getExperiment("default", "exp")), "Running");
}

TEST_F(KubeTest, ConnectionRefusedIsRetriedUntilTheDeadline) {
  // A port that was just free: bind, note it, close.
  int port = 0;
  {
    auto probe = std::make_unique<FakeApiServer>(ca(), testing::issueServerCert(ca(), "x"), kToken);
    port = probe->port();
  }
  std::string path = kubeconfig(std::string("    token: ") + kToken + "\n");
  std::string text;
  {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  text.replace(text.find(server_->url()), server_->url().size(),
               "https://127.0.0.1:" + std::to_string(port));
  write("config", text);
  auto started = std::chrono::steady_clock::now();
  try {
    clientFor(path).getExperiment("default", "exp");
    FAIL() << "expected KubeError";
  } catch (const KubeError& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_THAT(e.what(), HasSubstr("gave up after"));
    EXPECT_THAT(e.what(), HasSubstr("127.0.0.1:" + std::to_string(port)));
  }
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GT(took, 500ms);
  EXPECT_LT(took, 2s);
}

TEST_F(KubeTest, ExecPluginFailureIsReportedWithoutItsOutput) {
  write("plugin.sh", std::string("#!/bin/sh\necho '{\"token\":\"") + kToken + "\"'\n", 0700);
  std::string path = kubeconfig(
      "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./plugin.sh\n");
  try {
    clientFor(path).getExperiment("default", "exp");
    FAIL() << "expected KubeError";
  } catch (const KubeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("plugin.sh"));
    EXPECT_THAT(e.what(), HasSubstr("not an ExecCredential"));
    EXPECT_THAT(e.what(), Not(HasSubstr(kToken)));
  }
}

TEST_F(KubeTest, WrongCaFailsVerificationAtOnce) {
  std::string path = kubeconfig(std::string("    token: ") + kToken + "\n");
  write("ca.crt", testing::makeCa("not-the-server-ca").certPem);
  auto started = std::chrono::steady_clock::now();
  try {
    clientFor(path).getExperiment("default", "exp");
    FAIL() << "expected KubeError";
  } catch (const KubeError& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_THAT(e.what(), HasSubstr("certificate"));
    EXPECT_THAT(e.what(), HasSubstr(server_->url()));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);  // no retries on TLS errors
  EXPECT_EQ(server_->requestCount(), 0);

  // Only the kubeconfig can switch verification off.
  std::string insecure = kubeconfig(std::string("    token: ") + kToken + "\n",
                                    "    insecure-skip-tls-verify: true\n");
  write("ca.crt", testing::makeCa("not-the-server-ca").certPem);
  EXPECT_EQ(stageOf(clientFor(insecure).getExperiment("default", "exp")), "Running");
}

// What client-go shows of the API server's `Warning` headers, the handler logs: each text once.
TEST_F(KubeTest, TheApiServersWarningsAreLoggedOnceEach) {
  KubeClient client = clientFor(kubeconfig(std::string("    token: ") + kToken + "\n"));
  server_->setExperimentSchema(parseJson(R"({"type":"object","properties":{
      "spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
      "status":{"type":"object","properties":{"stage":{"type":"string"}}}}})"));
  auto patch = parseJson(R"({"stage":"Completed","note":"a, b","extra":{"deep":1}})");
  client.updateExperimentStatus("default", "exp", patch);
  client.updateExperimentStatus("default", "exp", patch);
  const std::string lines = logged_.str();
  const std::string note =
      R"(API server warning (PUT /apis/iter8.tools/v2alpha2/namespaces/default/experiments/exp/status): 'unknown field "status.note"')";
  EXPECT_THAT(lines, HasSubstr(note));
  EXPECT_THAT(lines, HasSubstr(R"('unknown field "status.extra"')"));
  EXPECT_EQ(lines.find(note), lines.rfind(note)) << "once, though sent twice:\n" << lines;
  EXPECT_EQ(server_->warnings().size(), 4u) << "the server sent two per write";
}

TEST(ApiWarnings, TheTextsOfAWarningHeaderAreParsedAsRfc7234Says) {
  using kube::parseWarningHeader;
  EXPECT_THAT(parseWarningHeader(R"(299 - "unknown field \"status.note\"")"),
              ElementsAre(R"(unknown field "status.note")"));
  EXPECT_THAT(
      parseWarningHeader(R"(299 - "a, b", 299 - "c" "Sat, 01 Jan 2000 00:00:00 GMT",199 x "d")"),
      ElementsAre("a, b", "c", "d"));
  EXPECT_THAT(parseWarningHeader(R"(299 - "kept", 299 - "never closed)"), ElementsAre("kept"));
  EXPECT_THAT(parseWarningHeader("garbage"), ::testing::IsEmpty());
  EXPECT_THAT(parseWarningHeader(""), ::testing::IsEmpty());
}

TEST_F(KubeTest, ConflictReReadsAndKeepsTheOtherWritersFields) {
  KubeClient client = clientFor(kubeconfig(std::string("    token: ") + kToken + "\n"));
  // Fields the Experiment CRD declares: the fake prunes others, as a real server does.
  server_->interleaveStatusWrite(R"({"message":"kept"})", 2);
  auto patch = parseJson(R"({"completedIterations":1,"stage":"Completed"})");
  client.updateExperimentStatus("default", "exp", patch);

  auto stored = server_->experiment("default", "exp");
  EXPECT_EQ(toJson(stored["status"]),
            R"({"stage":"Completed","message":"kept","completedIterations":1})");
  EXPECT_EQ(toJson(stored["spec"]), R"({"target":"app"})");
  int conflicts = 0;
  for (const auto& line : server_->requestLog())
    conflicts += line.find("-> 409") != std::string::npos;
  EXPECT_EQ(conflicts, 2);
}

TEST_F(KubeTest, EndlessConflictsGiveUpAfterTheBound) {
  KubeClient client = clientFor(kubeconfig(std::string("    token: ") + kToken + "\n"));
  server_->interleaveStatusWrite(R"({"otherWriter":"again"})", 1000);
  try {
    client.updateExperimentStatus("default", "exp", parseJson(R"({"x":1})"));
    FAIL() << "expected KubeError";
  } catch (const KubeError& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_THAT(e.what(), HasSubstr("conflict (409) on each of 6 attempts"));
  }
}

TEST_F(KubeTest, ServerErrorsAreRetriedThenGivenUpWithinTheDeadline) {
  KubeClient client = clientFor(kubeconfig(std::string("    token: ") + kToken + "\n"));
  server_->failNext(500, 2);
  server_->failNext(429, 1);
  EXPECT_EQ(stageOf(client.getExperiment("default", "exp")), "Running");
  EXPECT_EQ(server_->requestCount(), 4);

  server_->failNext(503, 100000);
  auto started = std::chrono::steady_clock::now();
  try {
    client.getExperiment("default", "exp");
    FAIL() << "expected KubeError";
  } catch (const KubeError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_THAT(e.what(), HasSubstr("gave up after"));
    EXPECT_THAT(e.what(), HasSubstr("retry deadline 1.0 s"));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 503: injected failure"));
  }
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 2s);  // deadline 1 s plus one short exchange, with room for a busy machine
  EXPECT_GT(took, 500ms);
}

TEST_F(KubeTest, SlowAnswersTimeOutAndAreRetried) {
  kube::RetryPolicy policy = fastPolicy();
  policy.requestTimeout = 300ms;
  policy.deadline = 3s;
  KubeClient client(kube::loadKubeconfig(kubeconfig(std::string("    token: ") + kToken + "\n")),
                    policy);
  server_->delayNext(1s, 1);
  EXPECT_EQ(stageOf(client.getExperiment("default", "exp")), "Running");
  EXPECT_THAT(logged_.str(), HasSubstr("timed out"));
}

TEST_F(KubeTest, NotFoundAndForbiddenSayWhatAndWhichPermission) {
  KubeClient client = clientFor(kubeconfig(std::string("    token: ") + kToken + "\n"));
  try {
    client.getExperiment("default", "missing");
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_THAT(e.what(),
                HasSubstr("/apis/iter8.tools/v2alpha2/namespaces/default/experiments/missing"));
  }
  server_->failNext(403, 1);
  try {
    client.getSecret("team-a", "creds");
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_EQ(e.status(), 403);
    EXPECT_THAT(e.what(), HasSubstr("/api/v1/namespaces/team-a/secrets/creds"));
    EXPECT_THAT(e.what(),
                HasSubstr("verb=get resource=secrets apiGroup=\"\" (core) namespace=team-a"));
  }
  server_->failNext(403, 1, "/status");
  try {
    client.updateExperimentStatus("default", "exp", parseJson(R"({"x":1})"));
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_THAT(
        e.what(),
        HasSubstr(
            "verb=update resource=experiments/status apiGroup=iter8.tools namespace=default"));
  }
  EXPECT_EQ(server_->requestCount(), 4);  // no retries: 404, 403, then GET + PUT
}

TEST_F(KubeTest, SecretsAreDecodedAndRegistered) {
  KubeClient client = clientFor(kubeconfig(std::string("    token: ") + kToken + "\n"));
  std::string binary("\x00\xff\x10 bytes", 8);
  server_->putSecret("team-a", "creds", {{"password", "s3cr3t-value-xyz"}, {"blob", binary}});
  auto values = client.getSecret("team-a", "creds");
  EXPECT_EQ(values.at("password"), "s3cr3t-value-xyz");
  EXPECT_EQ(values.at("blob"), binary);
  EXPECT_EQ(redact("pw=s3cr3t-value-xyz"), "pw=******");

  server_->putRawSecret("team-a", "plain",
                        R"({"metadata":{"name":"plain"},"stringData":{"apiKey":"plain-key-123"}})");
  EXPECT_EQ(client.getSecret("team-a", "plain").at("apiKey"), "plain-key-123");

  server_->putRawSecret("team-a", "broken",
                        R"({"metadata":{"name":"broken"},"data":{"key":"not*base64*zz"}})");
  try {
    client.getSecret("team-a", "broken");
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("data.key is not valid base64"));
    EXPECT_THAT(e.what(), Not(HasSubstr("not*base64")));
  }
}

TEST_F(KubeTest, KubeSourceFactoryWiresConfigNamespaceAndErrors) {
  server_->putExperiment("team-a", "exp", kExperiment);
  env_.set("KUBECONFIG", kubeconfig(std::string("    token: ") + kToken + "\n"));
  KubeOptions options;
  options.experimentName = "exp";
  options.retryDeadline = 1s;
  auto source = makeKubeSource(options);
  EXPECT_EQ(source->experimentNamespace(), "team-a");
  EXPECT_EQ(source->describe(), "experiment team-a/exp");
  source->updateStatus(parseJson(R"({"stage":"Done"})"));
  EXPECT_EQ(stageOf(source->read()), "Done");

  options.experimentName = "absent";
  try {
    makeKubeSource(options)->read();
    FAIL();
  } catch (const SourceError& e) {
    EXPECT_EQ(e.kind(), SourceError::Kind::kNotFound);
  }
  options.experimentName = "";
  EXPECT_THROW(makeKubeSource(options), SourceError);
}

TEST_F(KubeTest, NoTokenOrSecretValueIsEverLogged) {
  const std::string secret = "pa55-never-log-this-91";
  const std::string rotated = "tok-rotated-ccd31f0e27";
  write("token", kToken);
  write("ca.crt", ca().certPem);
  env_.set("KUBERNETES_SERVICE_HOST", "127.0.0.1");
  env_.set("KUBERNETES_SERVICE_PORT", std::to_string(server_->port()));
  server_->putSecret("default", "creds", {{"password", secret}});
  KubeClient client(kube::loadInClusterConfig(dir_), fastPolicy());

  std::vector<std::string> errors;
  auto attempt = [&](auto&& call) {
    try {
      call();
    } catch (const std::exception& e) {
      errors.emplace_back(e.what());
    }
  };
  attempt([&] { client.getSecret("default", "creds"); });
  server_->failNext(500, 2);
  attempt([&] { client.getSecret("default", "creds"); });
  server_->setToken(rotated);  // our token is now rejected: 401, refresh, 401
  attempt([&] { client.getSecret("default", "creds"); });
  write("token", rotated);
  attempt([&] { client.updateExperimentStatus("default", "exp", parseJson(R"({"n":1})")); });
  server_->failNext(403, 1);
  attempt([&] { client.getSecret("default", "creds"); });

  std::string log = logged_.str();
  EXPECT_THAT(log, HasSubstr("GET /api/v1/namespaces/default/secrets/creds -> 200"));
  EXPECT_THAT(log, HasSubstr("401"));
  ASSERT_EQ(errors.size(), 2u);  // the 401 and the 403
  EXPECT_THAT(errors[0], HasSubstr("unauthorized (401)"));
  for (const std::string& text : std::vector<std::string>{log, errors[0], errors[1]}) {
    EXPECT_THAT(text, Not(HasSubstr(kToken)));
    EXPECT_THAT(text, Not(HasSubstr(rotated)));
    EXPECT_THAT(text, Not(HasSubstr(secret)));
    EXPECT_THAT(text, Not(HasSubstr(encodeBase64(secret))));
  }
}

}  // namespace
}  // namespace iter8
