// metrics/collect with shards: N against a (fake) cluster: `handler run` as the controller's Job
// runs it creates the shards' Indexed Job; the test plays the Job controller: it runs the shard
// pods' command (`handler collect-shard`) with the Job's env, JOB_COMPLETION_INDEX and the
// service-account token, then marks the Job done; the merged status is checked against the
// partials the pods handed over (docs/scale.md, "Cluster mode").
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/base64.h"
#include "lib/fortio/latency_sketch.h"
#include "lib/json.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/rbac_policy.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_http_server.h"
#include "tests/support/test_pki.h"

namespace iter8 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kToken[] = "shard-job-token-51f0c2";
constexpr char kJobNs[] = "iter8-system";

class ShardJob : public ::testing::Test {
 protected:
  ShardJob()
      : ca_(iter8::testing::makeCa("shard-job-ca")),
        server_(ca_, iter8::testing::issueServerCert(ca_, "apiserver"), kToken) {
    // The service-account folder every pod of the cluster gets.
    saDir_ = dir_.path() + "/sa";
    std::filesystem::create_directories(saDir_);
    dir_.write("sa/token", kToken);
    dir_.write("sa/ca.crt", ca_.certPem);
    dir_.write("sa/namespace", kJobNs);
  }

  std::map<std::string, std::string> podEnv() const {
    return {{"KUBERNETES_SERVICE_HOST", "127.0.0.1"},
            {"KUBERNETES_SERVICE_PORT", std::to_string(server_.port())},
            {"ITER8_SERVICEACCOUNT_DIR", saDir_},
            {"ITER8_PLUGINS_DIR", test::shippedPluginDir()},
            {"TMPDIR", dir_.path()}};
  }

  void putExperiment(int shards, const std::string& extra = "") {
    server_.putExperiment("shop", "canary-1",
                          R"({"apiVersion":"iter8.tools/v2alpha2",
      "kind":"Experiment","metadata":{"name":"canary-1","namespace":"shop"},
      "spec":{"target":"shop/checkout","strategy":{"testingPattern":"Canary","actions":{"start":[
        {"task":"metrics/collect","with":{"time":"1s","qps":100,"connections":4,"shards":)" +
                              std::to_string(shards) + extra +
                              R"(,"versions":[{"name":"v1","url":")" + http_.url("/fast") +
                              R"("},{"name":"v2","url":")" + http_.url("/status/503") + R"("}]}}]}},
      "versionInfo":{"baseline":{"name":"v1"},"candidates":[{"name":"v2"}]}},
      "status":{"stage":"Running"}})");
  }

  // `handler run -a start` as the controller's Job runs it, in a thread; join with wait().
  // `terminateAfter` > 0: SIGTERM then (the controller deleting the handler's Job).
  void startCoordinator(std::chrono::milliseconds terminateAfter = {}) {
    coordinator_ = std::thread([this, terminateAfter] {
      test::ProcessOptions options;
      options.terminateAfter = terminateAfter;
      options.env = podEnv();
      options.env["EXPERIMENT_NAME"] = "canary-1";
      options.env["EXPERIMENT_NAMESPACE"] = "shop";
      options.env["ITER8_HANDLER_IMAGE"] = "registry.example/iter8-handler:0.1.0";
      options.env["ITER8_SERVICE_ACCOUNT"] = "iter8-handlers";
      options.env["ITER8_CPU_REQUEST"] = "500";
      options.env["ITER8_MEMORY_REQUEST"] = "67108864";
      options.env["ITER8_SHARD_LEAD_MS"] = "1500";
      options.unsetEnv = {"KUBECONFIG", "ITER8_SHARDS", "SCRATCH_DIR", "ITER8_POD_NAMESPACE"};
      for (const std::string& name : unsetForCoordinator_) {
        options.env.erase(name);
        options.unsetEnv.push_back(name);
      }
      options.timeout = std::chrono::seconds(60);
      result_ = test::runProcess({test::handlerPath(), "run", "-a", "start", "--termination-log",
                                  dir_.file("termination-log"), "--api-deadline", "5s"},
                                 options);
    });
  }
  test::ProcessResult waitCoordinator() {
    coordinator_.join();
    return result_;
  }

  // The Job the coordinator created (not one of the test's), waited for up to 10 s; null when
  // none came.
  rapidjson::Document waitForJob() {
    for (int i = 0; i < 200; ++i) {
      for (const std::string& name : server_.jobNames(kJobNs)) {
        if (name != "canary-1-shards-old" && name != "other-shards-1") {
          return server_.job(kJobNs, name);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return rapidjson::Document();
  }

  // What the kubelet mounts for the pod's Secret volumes: each Secret's keys as files of a
  // folder of the test's, waited for up to 10 s (the kubelet retries a Secret not yet created).
  // Returns mountPath -> folder; empty when a Secret never came.
  std::map<std::string, std::string> mountSecretVolumes(const rapidjson::Value& job, int index) {
    const auto& pod = job["spec"]["template"]["spec"];
    std::map<std::string, std::string> volumes;  // volume name -> folder
    for (const auto& volume : pod["volumes"].GetArray()) {
      if (!volume.HasMember("secret")) continue;  // an emptyDir: the test's TMPDIR stands in
      const std::string secretName = volume["secret"]["secretName"].GetString();
      rapidjson::Document secret;
      for (int i = 0; i < 200 && !secret.IsObject(); ++i) {
        secret = server_.secret(kJobNs, secretName);
        if (!secret.IsObject()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (!secret.IsObject()) return {};
      const std::string folder = "pod-" + std::to_string(index) + "-" + volume["name"].GetString();
      std::filesystem::create_directories(dir_.file(folder));
      for (const auto& entry : secret["data"].GetObject()) {
        dir_.write(folder + "/" + entry.name.GetString(),
                   decodeBase64(entry.value.GetString()).value_or(""));
      }
      volumes[volume["name"].GetString()] = dir_.file(folder);
    }
    std::map<std::string, std::string> mounts;
    for (const auto& mount : pod["containers"][0]["volumeMounts"].GetArray()) {
      auto volume = volumes.find(mount["name"].GetString());
      if (volume != volumes.end()) mounts[mount["mountPath"].GetString()] = volume->second;
    }
    return mounts;
  }

  // Runs shard `index` as its pod would: the Job's container command and env, its Secret volume
  // (paths under a mountPath are mapped to the test's folder), the index, the service account.
  // `killAfter` > 0: SIGKILL then (a pod that dies mid-run).
  test::ProcessResult runShard(const rapidjson::Value& job, int index,
                               std::chrono::milliseconds killAfter = {}) {
    const auto& container = job["spec"]["template"]["spec"]["containers"][0];
    test::ProcessOptions options;
    options.env = podEnv();
    for (const auto& var : container["env"].GetArray()) {
      options.env[var["name"].GetString()] = var["value"].GetString();
    }
    options.env["JOB_COMPLETION_INDEX"] = std::to_string(index);
    options.unsetEnv = {"KUBECONFIG", "SCRATCH_DIR", "ITER8_SHARD_MODE"};
    if (killAfter.count() > 0) {
      options.terminateAfter = killAfter;
      options.terminateSignal = 9;
    }
    const auto mounts = mountSecretVolumes(job, index);
    if (mounts.empty()) return {-1, "", "the pod's Secret volume never appeared"};
    std::vector<std::string> argv{test::handlerPath()};
    for (const auto& word : container["command"].GetArray()) {
      std::string arg = word.GetString();
      if (arg == "handler") continue;
      for (const auto& [mountPath, folder] : mounts) {
        if (arg.rfind(mountPath + "/", 0) == 0) arg = folder + arg.substr(mountPath.size());
      }
      argv.push_back(arg);
    }
    return test::runProcess(argv, options);
  }

  void runShards(const rapidjson::Value& job, int count, int killIndex = -1) {
    std::vector<std::thread> pods;
    std::vector<test::ProcessResult> results(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      pods.emplace_back([&, i] {
        results[i] = runShard(
            job, i,
            i == killIndex ? std::chrono::milliseconds(1800) : std::chrono::milliseconds(0));
      });
    }
    for (auto& pod : pods) pod.join();
    for (int i = 0; i < count; ++i) {
      if (i != killIndex) {
        EXPECT_EQ(results[i].exitCode, 0) << "shard " << i << results[i].err;
      }
    }
  }

  // A 2-shard run under container/rbac.yaml with the shards' Role rule `rule` made `replaced`:
  // the coordinator's one-line reason (the termination log), the run having failed (exit 1).
  std::string failureUnderRbacWith(const std::string& rule, const std::string& replaced) {
    std::string rbac = test::readFile(std::string(ITER8_SOURCE_DIR) + "/container/rbac.yaml");
    const size_t at = rbac.find(rule);
    if (at == std::string::npos) {
      ADD_FAILURE() << "container/rbac.yaml has no " << rule;
      return "";
    }
    rbac.replace(at, rule.size(), replaced);
    server_.enforceRbac(
        iter8::testing::RbacPolicy::forServiceAccount({rbac}, kJobNs, "iter8-handlers"));
    putExperiment(2);
    startCoordinator();
    test::ProcessResult r = waitCoordinator();
    EXPECT_EQ(r.exitCode, 1) << r.err;
    const std::string reason = test::readFile(dir_.file("termination-log"));
    EXPECT_EQ(reason.find('\n'), reason.size() - 1) << "one line: " << reason;
    return reason;
  }

  test::TempDir dir_;
  iter8::testing::PemPair ca_;
  iter8::testing::FakeApiServer server_;
  iter8::testing::TestHttpServer http_;
  std::string saDir_;
  std::thread coordinator_;
  test::ProcessResult result_;
  std::vector<std::string> unsetForCoordinator_;
};

// What the "restricted" Pod Security Standard (Kubernetes 1.25+) refuses in `pod` (a pod spec):
// the checks of the admission controller that apply to a pod without host namespaces, ports
// or privileged containers. Empty when it would be admitted in a namespace enforcing it.
std::vector<std::string> restrictedViolations(const rapidjson::Value& pod) {
  std::vector<std::string> problems;
  const auto podContext = [&](const char* key) -> const rapidjson::Value* {
    return pod.HasMember("securityContext") && pod["securityContext"].HasMember(key)
               ? &pod["securityContext"][key]
               : nullptr;
  };
  for (const auto& volume : pod["volumes"].GetArray()) {
    bool allowed = false;
    for (const char* kind : {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                             "persistentVolumeClaim", "projected", "secret"}) {
      allowed = allowed || volume.HasMember(kind);
    }
    if (!allowed) problems.push_back(std::string("volume ") + volume["name"].GetString());
  }
  for (const auto& container : pod["containers"].GetArray()) {
    const rapidjson::Value* context =
        container.HasMember("securityContext") ? &container["securityContext"] : nullptr;
    const auto field = [&](const char* key) -> const rapidjson::Value* {
      return context != nullptr && context->HasMember(key) ? &(*context)[key] : podContext(key);
    };
    const rapidjson::Value* nonRoot = field("runAsNonRoot");
    if (nonRoot == nullptr || !nonRoot->IsTrue()) problems.push_back("runAsNonRoot != true");
    const rapidjson::Value* user = field("runAsUser");
    if (user != nullptr && user->IsInt() && user->GetInt() == 0) problems.push_back("runAsUser=0");
    const rapidjson::Value* escalation =
        context != nullptr && context->HasMember("allowPrivilegeEscalation")
            ? &(*context)["allowPrivilegeEscalation"]
            : nullptr;
    if (escalation == nullptr || !escalation->IsFalse()) {
      problems.push_back("allowPrivilegeEscalation != false");
    }
    const rapidjson::Value* seccomp = field("seccompProfile");
    const std::string profile =
        seccomp != nullptr && seccomp->HasMember("type") ? (*seccomp)["type"].GetString() : "";
    if (profile != "RuntimeDefault" && profile != "Localhost") problems.push_back("seccomp");
    const rapidjson::Value* capabilities = context != nullptr && context->HasMember("capabilities")
                                               ? &(*context)["capabilities"]
                                               : nullptr;
    bool dropsAll = false;
    if (capabilities != nullptr && capabilities->HasMember("drop")) {
      for (const auto& cap : (*capabilities)["drop"].GetArray()) {
        dropsAll = dropsAll || std::string(cap.GetString()) == "ALL";
      }
    }
    if (!dropsAll) problems.push_back("capabilities.drop lacks ALL");
    if (capabilities != nullptr && capabilities->HasMember("add")) {
      for (const auto& cap : (*capabilities)["add"].GetArray()) {
        if (std::string(cap.GetString()) != "NET_BIND_SERVICE") {
          problems.push_back(std::string("capability ") + cap.GetString());
        }
      }
    }
  }
  return problems;
}

int64_t countOf(const rapidjson::Value& result) {
  return result["DurationHistogram"]["Count"].GetInt64();
}

TEST_F(ShardJob, TheIndexedJobsPodsPartialsMergeExactlyAndEverythingIsRemoved) {
  // Under container/rbac.yaml's rules: the coordinator and the pods need nothing more.
  server_.enforceRbac(iter8::testing::RbacPolicy::forServiceAccount(
      {test::readFile(std::string(ITER8_SOURCE_DIR) + "/container/rbac.yaml")}, kJobNs,
      "iter8-handlers"));
  putExperiment(2);
  // A crashed coordinator's Job for this experiment, and another experiment's.
  server_.putJob(kJobNs, "canary-1-shards-old", R"({"metadata":{"name":"canary-1-shards-old",
      "labels":{"iter8.tools/shards-of":"canary-1","iter8.tools/shards-of-namespace":"shop"}}})");
  server_.putJob(kJobNs, "other-shards-1", R"({"metadata":{"name":"other-shards-1",
      "labels":{"iter8.tools/shards-of":"other","iter8.tools/shards-of-namespace":"shop"}}})");
  // The controller writes the status between the coordinator's read and write: a 409.
  server_.interleaveStatusWrite(R"({"message":"from the controller"})", 1);
  startCoordinator();
  rapidjson::Document job = waitForJob();
  ASSERT_TRUE(job.IsObject()) << "no Job was created";
  const std::string name = job["metadata"]["name"].GetString();
  EXPECT_THAT(name, HasSubstr("canary-1-shards-"));
  EXPECT_STRNE(name.c_str(), "canary-1-shards-old");
  const auto& spec = job["spec"];
  EXPECT_STREQ(spec["completionMode"].GetString(), "Indexed");
  EXPECT_EQ(spec["completions"].GetInt(), 2);
  EXPECT_EQ(spec["parallelism"].GetInt(), 2);
  const auto& pod = spec["template"]["spec"];
  EXPECT_STREQ(pod["serviceAccountName"].GetString(), "iter8-handlers");
  const auto& container = pod["containers"][0];
  EXPECT_STREQ(container["image"].GetString(), "registry.example/iter8-handler:0.1.0");
  EXPECT_EQ(toJson(container["resources"]), R"({"requests":{"cpu":"500m","memory":"67108864"}})");
  std::map<std::string, std::string> env;
  for (const auto& var : container["env"].GetArray()) {
    env[var["name"].GetString()] = var["value"].GetString();
  }
  EXPECT_EQ(env["EXPERIMENT_NAME"], "canary-1");
  EXPECT_EQ(env["EXPERIMENT_NAMESPACE"], "shop");
  EXPECT_EQ(env["ITER8_SHARD_JOB"], name);
  // The TaskSpec is in no env and no argument of the Job: a Secret owned by it, mounted.
  EXPECT_THAT(toJson(job), Not(HasSubstr("/fast")));
  EXPECT_EQ(toJson(container["command"]),
            R"(["handler","collect-shard","--task","/var/run/iter8/shard/task.json"])");
  EXPECT_EQ(toJson(pod["volumes"][0]),
            R"({"name":"task","secret":{"defaultMode":288,"secretName":")" + name + R"(-task"}})");
  EXPECT_THAT(restrictedViolations(pod), IsEmpty());
  rapidjson::Document secret;
  for (int i = 0; i < 100 && !secret.IsObject(); ++i) {
    secret = server_.secret(kJobNs, name + "-task");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(secret.IsObject()) << "no task Secret was created";
  EXPECT_EQ(toJson(secret["metadata"]["ownerReferences"]),
            R"([{"apiVersion":"batch/v1","kind":"Job","name":")" + name + R"(","uid":")" +
                job["metadata"]["uid"].GetString() + R"("}])");
  auto task = parseJson(decodeBase64(secret["data"]["task.json"].GetString()).value_or(""));
  EXPECT_STREQ(task["task"].GetString(), "metrics/collect");
  EXPECT_EQ(task["shard"]["count"].GetInt(), 2);
  EXPECT_TRUE(task["shard"]["startAtUnixNs"].IsInt64());

  runShards(job, 2);
  // What the pods handed over, before the coordinator reads and removes it: counts, the
  // histograms' extremes and the sketches (index-keyed buckets: exact), summed. Fortio's bucket
  // list starts at Min and ends at Max, so its edges differ per shard; ShardMerge.* checks its
  // buckets on recorded samples.
  int64_t requests[2] = {0, 0};
  double lowest[2] = {1e9, 1e9}, highest[2] = {0, 0};
  fortio::LatencySketch sketches[2];
  for (int i = 0; i < 2; ++i) {
    auto map = server_.configMap(kJobNs, name + "-" + std::to_string(i));
    ASSERT_TRUE(map.IsObject()) << "shard " << i << " handed over nothing";
    auto partial = parseJson(map["data"]["partial.json"].GetString());
    for (int v = 0; v < 2; ++v) {
      const auto& result = partial["Versions"][v == 0 ? "v1" : "v2"];
      requests[v] += countOf(result);
      lowest[v] = std::min(lowest[v], result["DurationHistogram"]["Min"].GetDouble());
      highest[v] = std::max(highest[v], result["DurationHistogram"]["Max"].GetDouble());
      sketches[v].merge(fortio::LatencySketch::fromJson(result["LatencySketch"]));
    }
  }
  server_.markJobComplete(kJobNs, name);
  test::ProcessResult r = waitCoordinator();
  ASSERT_EQ(r.exitCode, 0) << r.err;

  auto stored = server_.experiment("shop", "canary-1");
  const auto& data = stored["status"]["analysis"]["aggregatedBuiltinHists"]["data"];
  EXPECT_EQ(countOf(data["v1"]), requests[0]);
  EXPECT_EQ(countOf(data["v2"]), requests[1]);
  EXPECT_EQ(requests[0] + requests[1], 200) << "100 qps for 1 s per version";
  EXPECT_EQ(data["v1"]["RetCodes"]["200"].GetInt64(), requests[0]);
  EXPECT_EQ(data["v2"]["RetCodes"]["503"].GetInt64(), requests[1]);
  for (int v = 0; v < 2; ++v) {
    const auto& merged = data[v == 0 ? "v1" : "v2"];
    int64_t inBuckets = 0;
    for (const auto& bucket : merged["DurationHistogram"]["Data"].GetArray()) {
      inBuckets += bucket["Count"].GetInt64();
    }
    EXPECT_EQ(inBuckets, requests[v]) << "version " << v;
    EXPECT_EQ(merged["DurationHistogram"]["Min"].GetDouble(), lowest[v]);
    EXPECT_EQ(merged["DurationHistogram"]["Max"].GetDouble(), highest[v]);
    auto sketch = fortio::LatencySketch::fromJson(merged["LatencySketch"]);
    EXPECT_EQ(sketch.count(), sketches[v].count());
    EXPECT_EQ(sketch.buckets(), sketches[v].buckets()) << "version " << v;
  }
  EXPECT_EQ(data["v1"]["Shards"].GetInt(), 2);
  EXPECT_EQ(toJson(data["v1"]["ShardsMissing"]), "[]");
  EXPECT_STREQ(stored["status"]["message"].GetString(), "from the controller");
  EXPECT_THAT(server_.jobNames(kJobNs), ElementsAre("other-shards-1"));
  EXPECT_THAT(server_.configMapNames(kJobNs), IsEmpty());
  EXPECT_THAT(server_.secretNames(kJobNs), IsEmpty()) << "collected with its owner, the Job";
  EXPECT_THAT(server_.jobDeletions(),
              ElementsAre(std::string(kJobNs) + "/canary-1-shards-old Foreground",
                          std::string(kJobNs) + "/" + name + " Foreground"));
  EXPECT_TRUE(server_.refusals().empty()) << server_.refusals().front();
  EXPECT_THAT(r.err, Not(HasSubstr(kToken)));
}

TEST_F(ShardJob, APodKilledMidRunIsMissingAndTheRestMerged) {
  putExperiment(2, R"(,"onShardMissing":"warn")");
  startCoordinator();
  rapidjson::Document job = waitForJob();
  ASSERT_TRUE(job.IsObject()) << "no Job was created";
  const std::string name = job["metadata"]["name"].GetString();
  runShards(job, 2, /*killIndex=*/1);
  server_.markJobFailed(kJobNs, name, "BackoffLimitExceeded");
  test::ProcessResult r = waitCoordinator();
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("1 of 2 shards did not report"));
  auto stored = server_.experiment("shop", "canary-1");
  const auto& v1 = stored["status"]["analysis"]["aggregatedBuiltinHists"]["data"]["v1"];
  EXPECT_EQ(toJson(v1["ShardsMissing"]), "[1]");
  EXPECT_EQ(countOf(v1) + v1["Unsent"].GetInt64(), 100) << "shard 1's 50 requests are unsent";
  EXPECT_THAT(server_.jobNames(kJobNs), IsEmpty());
  EXPECT_THAT(server_.configMapNames(kJobNs), IsEmpty());
}

TEST_F(ShardJob, APodWhoseClockIsOffTheApiServersRefusesToStart) {
  server_.setDateOffset(std::chrono::seconds(-30));  // the API server's clock is 30 s behind
  putExperiment(2);
  startCoordinator();
  rapidjson::Document job = waitForJob();
  ASSERT_TRUE(job.IsObject()) << "no Job was created";
  const std::string name = job["metadata"]["name"].GetString();
  test::ProcessResult pod = runShard(job, 0);
  EXPECT_EQ(pod.exitCode, 1) << pod.err;
  EXPECT_THAT(pod.err, HasSubstr("clock is 30 s ahead of the API server's"));
  EXPECT_EQ(http_.requestCount(), 0u) << "it sent no load";
  EXPECT_THAT(server_.configMapNames(kJobNs), IsEmpty());
  server_.markJobFailed(kJobNs, name, "BackoffLimitExceeded");
  test::ProcessResult r = waitCoordinator();
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_THAT(test::readFile(dir_.file("termination-log")), HasSubstr("none of the 2 shards"));
  EXPECT_THAT(server_.jobNames(kJobNs), IsEmpty());
}

TEST_F(ShardJob, ACancelledCoordinatorDeletesTheJob) {
  putExperiment(2);
  startCoordinator(std::chrono::milliseconds(1500));
  rapidjson::Document job = waitForJob();
  ASSERT_TRUE(job.IsObject()) << "no Job was created";
  const std::string name = job["metadata"]["name"].GetString();
  test::ProcessResult r = waitCoordinator();  // no pod runs: SIGTERM comes while it waits
  EXPECT_EQ(r.exitCode, 5) << r.err;
  EXPECT_THAT(server_.jobNames(kJobNs), IsEmpty());
  EXPECT_THAT(server_.jobDeletions(),
              ElementsAre(std::string(kJobNs) + "/" + name + " Foreground"));
}

TEST_F(ShardJob, WithoutTheImageInTheJobTemplateTheMessageSaysWhatToSet) {
  unsetForCoordinator_ = {"ITER8_HANDLER_IMAGE"};
  putExperiment(2);
  startCoordinator();
  test::ProcessResult r = waitCoordinator();
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_THAT(test::readFile(dir_.file("termination-log")),
              HasSubstr("ITER8_HANDLER_IMAGE is not set; expected the handler's image"));
  EXPECT_THAT(server_.jobNames(kJobNs), IsEmpty());
}

TEST_F(ShardJob, WithoutPermissionToCreateJobsTheMessageNamesVerbAndResource) {
  const std::string reason = failureUnderRbacWith(R"(verbs: ["create", "get", "list", "delete"])",
                                                  R"(verbs: ["get", "list", "delete"])");
  EXPECT_THAT(reason, HasSubstr("cannot create the shards' Job"));
  EXPECT_THAT(reason, HasSubstr("verb=create resource=jobs apiGroup=batch namespace=iter8-system"));
  EXPECT_THAT(server_.jobNames(kJobNs), IsEmpty());
}

TEST_F(ShardJob, WithoutPermissionToCreateTheTaskSecretTheJobIsRemovedAndTheMessageSaysWhy) {
  const std::string reason = failureUnderRbacWith(R"(resources: ["secrets"]
  verbs: ["create"])",
                                                  R"(resources: ["secrets"]
  verbs: ["get"])");
  EXPECT_THAT(reason, HasSubstr("cannot create the shards' task Secret"));
  EXPECT_THAT(reason, HasSubstr("verb=create resource=secrets apiGroup=\"\" (core)"));
  EXPECT_THAT(server_.jobNames(kJobNs), IsEmpty()) << "the Job without its task is deleted";
  EXPECT_EQ(server_.jobDeletions().size(), 1u);
}

TEST_F(ShardJob, ATaskTooBigForASecretIsRefusedBeforeAnythingIsCreated) {
  // A payload of 1.1 MB: the Secret that takes the task to the pods holds at most 1 MiB.
  putExperiment(2, R"(,"payloadStr":")" + std::string(1100000, 'x') + "\"");
  startCoordinator();
  test::ProcessResult r = waitCoordinator();
  EXPECT_EQ(r.exitCode, 1) << r.err;
  const std::string reason = test::readFile(dir_.file("termination-log"));
  EXPECT_THAT(reason, HasSubstr("more than the 1048576 a Kubernetes Secret holds"));
  EXPECT_THAT(reason, HasSubstr("use a smaller payload, or shards: 1"));
  EXPECT_LT(reason.size(), 1000u);
  EXPECT_THAT(server_.jobNames(kJobNs), IsEmpty());
  EXPECT_THAT(server_.secretNames(kJobNs), IsEmpty());
}

}  // namespace
}  // namespace iter8
