// testkit.so: tasks that misbehave on purpose or expose host services, for the host's tests.
#include <chrono>
#include <stdexcept>

#include "iter8/task.hpp"

namespace {

using iter8::sdk::Host;
using iter8::sdk::TaskSpec;

// Fails with the message given in `with.message`.
struct FailTask : iter8::sdk::Task {
  static constexpr const char* kName = "fail";
  static constexpr const char* kDescription = "Fail with a message";
  static constexpr const char* kInputSchema =
      R"({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]})";
  explicit FailTask(const TaskSpec& spec) : message(spec.requireString("message")) {}
  void run(Host&) override { throw iter8::sdk::TaskFailed(message); }
  std::string message;
};

// Throws a plain std::exception from run (must become an error, not a crash).
struct ThrowTask : iter8::sdk::Task {
  static constexpr const char* kName = "throw";
  static constexpr const char* kDescription = "Throw std::runtime_error from run";
  static constexpr const char* kInputSchema = "{}";
  explicit ThrowTask(const TaskSpec&) {}
  void run(Host&) override { throw std::runtime_error("boom from testkit/throw"); }
};

// Rejects its inputs in the constructor with a semantic check the schema cannot express.
struct RangeTask : iter8::sdk::Task {
  static constexpr const char* kName = "range";
  static constexpr const char* kDescription = "Require with.low < with.high";
  static constexpr const char* kInputSchema = R"({"type":"object","properties":{
      "low":{"type":"integer"},"high":{"type":"integer","minimum":0},
      "mode":{"type":"string","enum":["fast","slow"]},
      "items":{"type":"array","items":{"type":"object","properties":{"url":{"type":"string"}},"required":["url"]}}},
      "required":["low","high"]})";
  explicit RangeTask(const TaskSpec& spec) {
    if (spec.with()["low"].GetInt64() >= spec.with()["high"].GetInt64()) {
      throw iter8::sdk::InputError("input 'with.low' must be less than 'with.high'");
    }
  }
  void run(Host& host) override { host.info("range ok"); }
};

// Merges `with.patch` into the experiment's status.
struct StatusTask : iter8::sdk::Task {
  static constexpr const char* kName = "status";
  static constexpr const char* kDescription = "Merge with.patch into status";
  static constexpr const char* kInputSchema =
      R"({"type":"object","properties":{"patch":{"type":"object"}},"required":["patch"]})";
  explicit StatusTask(const TaskSpec& spec) {
    patch.CopyFrom(spec.with()["patch"], patch.GetAllocator());
  }
  void run(Host& host) override { host.updateStatus(patch); }
  rapidjson::Document patch;
};

// Reads a secret and logs its value at every level (the host must mask it).
struct SecretTask : iter8::sdk::Task {
  static constexpr const char* kName = "secret";
  static constexpr const char* kDescription = "Read secret with.ref and log its values";
  static constexpr const char* kInputSchema =
      R"({"type":"object","properties":{"ref":{"type":"string"}},"required":["ref"]})";
  explicit SecretTask(const TaskSpec& spec) : ref(spec.requireString("ref")) {}
  void run(Host& host) override {
    rapidjson::Document data = host.secret(ref);
    for (const auto& m : data.GetObject()) {
      std::string line = std::string("key ") + m.name.GetString() + " = " + m.value.GetString();
      host.trace(line);
      host.info(line);
      host.error(line);
      host.writeTerminationLog(line);
    }
    if (data.HasMember("fail"))
      throw iter8::sdk::TaskFailed(std::string("bad token ") + data["fail"].GetString());
  }
  std::string ref;
};

// Sleeps until cancelled or `with.seconds` pass, on the host's wait_cancelled (no polling).
struct SleepTask : iter8::sdk::Task {
  static constexpr const char* kName = "sleep";
  static constexpr const char* kDescription = "Sleep until cancelled";
  static constexpr const char* kInputSchema =
      R"({"type":"object","properties":{"seconds":{"type":"number"}},"required":["seconds"]})";
  explicit SleepTask(const TaskSpec& spec) : seconds(spec.with()["seconds"].GetDouble()) {}
  void run(Host& host) override {
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(seconds));
    if (host.waitCancelled(timeout)) {
      // ABI 1.2: the reason, in the task's own words, which the host keeps beside its own.
      throw iter8::sdk::Error(
          ITER8_ERR_CANCELLED,
          std::string("sleep cancelled: ") + iter8::sdk::cancelReasonText(host.cancelReason()));
    }
  }
  double seconds;
};

}  // namespace

ITER8_PLUGIN("testkit", "0.0.1", FailTask, ThrowTask, RangeTask, StatusTask, SecretTask, SleepTask)
