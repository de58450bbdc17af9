// faulty.so: tasks that break the rules on purpose, for the supervision tests. Each one does
// what a buggy third-party plugin might: crash, abort, exit, spin without looking at
// cancellation, or leave a thread behind that keeps logging.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "iter8/task.hpp"

namespace {

using iter8::sdk::Host;
using iter8::sdk::TaskSpec;

// Dereferences a null pointer (SIGSEGV).
struct SegvTask : iter8::sdk::Task {
  static constexpr const char* kName = "segv";
  static constexpr const char* kDescription = "Crash with SIGSEGV";
  static constexpr const char* kInputSchema = "{}";
  explicit SegvTask(const TaskSpec&) {}
  void run(Host& host) override {
    host.info("about to crash");
    ::raise(SIGSEGV);
  }
};

struct AbortTask : iter8::sdk::Task {
  static constexpr const char* kName = "abort";
  static constexpr const char* kDescription = "Call abort()";
  static constexpr const char* kInputSchema = "{}";
  explicit AbortTask(const TaskSpec&) {}
  void run(Host&) override { std::abort(); }
};

// exit(with.code) or, with `fast: true`, _exit(with.code): never returns to the host.
struct ExitTask : iter8::sdk::Task {
  static constexpr const char* kName = "exit";
  static constexpr const char* kDescription = "Call exit(with.code) instead of returning";
  static constexpr const char* kInputSchema =
      R"({"type":"object","properties":{"code":{"type":"integer"},"fast":{"type":"boolean"}}})";
  explicit ExitTask(const TaskSpec& spec) : fast(spec.optionalBool("fast")) {
    if (const auto* value = spec.find("code")) code = value->GetInt();
  }
  void run(Host&) override {
    if (fast) ::_exit(code);
    std::exit(code);
  }
  int code = 0;
  bool fast;
};

// Spins for `with.seconds` (default: for ever) and never looks at cancellation.
struct SpinTask : iter8::sdk::Task {
  static constexpr const char* kName = "spin";
  static constexpr const char* kDescription = "Busy-loop, ignoring cancellation";
  static constexpr const char* kInputSchema =
      R"({"type":"object","properties":{"seconds":{"type":"number"}}})";
  explicit SpinTask(const TaskSpec& spec) {
    if (const auto* seconds = spec.find("seconds")) limit = seconds->GetDouble();
  }
  void run(Host& host) override {
    host.info("spinning");
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit);
    std::atomic<unsigned long> counter{0};
    while (limit <= 0 || std::chrono::steady_clock::now() < end) counter.fetch_add(1);
  }
  double limit = 0;
};

// Starts a thread that logs through the host every millisecond, and returns at once.
struct ThreadTask : iter8::sdk::Task {
  static constexpr const char* kName = "thread";
  static constexpr const char* kDescription = "Leave a thread logging after run returns";
  static constexpr const char* kInputSchema = "{}";
  explicit ThreadTask(const TaskSpec&) {}
  void run(Host& host) override {
    const iter8_host_services* services = host.raw();
    std::thread([services] {
      for (;;) {
        services->log(services->host, ITER8_LOG_INFO, "stray thread still logging");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }).detach();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
};

}  // namespace

ITER8_PLUGIN("faulty", "0.0.1", SegvTask, AbortTask, ExitTask, SpinTask, ThreadTask)
