#include "plugins/metrics/local_shards.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "lib/atomic_file.h"
#include "lib/json.h"
#include "lib/locked_folder.h"
#include "lib/process/subprocess.h"
#include "plugins/metrics/shard_plan.h"

namespace iter8::metrics {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How long a cancelled shard gets to write what it measured before it is killed.
constexpr auto kStopGrace = std::chrono::seconds(5);
// How often the coordinator says the shards are still running (as the progress lines do).
constexpr auto kReportEvery = std::chrono::seconds(10);
// Beyond the schedule: starting, the last responses (their timeout), writing the partial.
constexpr auto kSlack = std::chrono::seconds(20);
// What the Job runner may take after its own timeout: the last list, the deletes.
constexpr auto kJobCleanup = std::chrono::seconds(30);

// The handler binary this task runs in (the shard command is one of its commands).
std::string handlerBinary() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw sdk::TaskFailed("shards: cannot find the handler binary (/proc/self/exe): " +
                          ec.message());
  return self.string();
}

// The folder this plugin was loaded from, so the shards load the same metrics.so.
std::string pluginFolder() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&pluginFolder), &info) == 0 || info.dli_fname == nullptr)
    return "";
  return fs::path(info.dli_fname).parent_path().string();
}

constexpr const char* kFolderPrefix = "iter8-shards-";

// A private folder for the shards' files: under $SCRATCH_DIR when set (the handler's scratch
// space in the image), else $TMPDIR, else /tmp. Removed with everything in it when destroyed;
// locked while it lives, so that the next sharded collect removes it when this process is
// killed before it could (docs/scale.md#leftovers).
class ShardFolder {
 public:
  explicit ShardFolder(sdk::Host& host) {
    const char* base = std::getenv("SCRATCH_DIR");
    if (base == nullptr || *base == '\0') base = std::getenv("TMPDIR");
    if (base == nullptr || *base == '\0') base = "/tmp";
    for (const std::string& folder : removeAbandonedFolders(base, kFolderPrefix)) {
      host.info("shards: removed " + folder + ", left by a coordinator that was killed");
    }
    try {
      folder_ = std::make_unique<LockedTempFolder>(base, kFolderPrefix);
    } catch (const std::runtime_error& e) {
      throw sdk::TaskFailed(std::string("shards: ") + e.what());
    }
  }
  const std::string& path() const { return folder_->path(); }

 private:
  std::unique_ptr<LockedTempFolder> folder_;
};

std::string lastLine(const std::string& file) {
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  if (last.size() > 300) last = last.substr(0, 300) + "...";
  return last;
}

// How a shard the coordinator stopped ended: by itself after SIGTERM, or killed after the grace.
enum class Stopped { kNo, kOverdue, kKilledOverdue, kKilledCancelled };

std::string secondsText(std::chrono::nanoseconds length) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", std::chrono::duration<double>(length).count());
  return text;
}

// Why a shard that exited (or was stopped) has no partial result. `limit`: how long it had.
std::string whyMissing(const Subprocess& shard, const std::string& log, Stopped stopped,
                       const std::string& limit) {
  std::string why;
  if (stopped == Stopped::kOverdue || stopped == Stopped::kKilledOverdue) {
    why = "did not finish within " + limit + " and was " +
          (stopped == Stopped::kOverdue ? "stopped" : "killed (it did not stop on SIGTERM)");
  } else if (stopped == Stopped::kKilledCancelled) {
    why = "was killed: it did not stop within " + secondsText(kStopGrace) + " of SIGTERM";
  } else if (WIFSIGNALED(shard.status())) {
    why = "was killed by signal " + std::to_string(WTERMSIG(shard.status()));
  } else if (WIFEXITED(shard.status()) && WEXITSTATUS(shard.status()) != 0) {
    why = "exited with status " + std::to_string(WEXITSTATUS(shard.status()));
  } else {
    why = "exited without writing its result";
  }
  std::string last = lastLine(log);
  return last.empty() ? why : why + " (" + last + ")";
}

void readPartial(ShardOutcome& outcome, const std::string& file, uint64_t index) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  outcome.partial.Parse(text.str().c_str());
  const rapidjson::Value* shard = findMember(outcome.partial, "Shard");
  const rapidjson::Value* versions = findMember(outcome.partial, "Versions");
  if (outcome.partial.HasParseError() || shard == nullptr || !shard->IsUint64() ||
      shard->GetUint64() != index || versions == nullptr || !versions->IsObject()) {
    outcome.missing = "wrote a result that is not a shard's partial result (" + file + ")";
    return;
  }
  outcome.reported = true;
}

}  // namespace

std::vector<ShardOutcome> runLocalShards(sdk::Host& host, const rapidjson::Value& taskSpec,
                                         const LocalShardsOptions& options) {
  ShardFolder folder(host);
  const std::string experimentFile = folder.path() + "/experiment.json";
  const std::string taskFile = folder.path() + "/task.json";
  const auto startAt = std::chrono::system_clock::now() + options.lead;
  try {
    AtomicWriteOptions experimentMode;
    experimentMode.mode = 0600;
    writeFileAtomically(experimentFile, toJson(host.experiment()), experimentMode);
    rapidjson::Document task;
    task.CopyFrom(taskSpec, task.GetAllocator());
    auto& a = task.GetAllocator();
    rapidjson::Value shard(rapidjson::kObjectType);
    shard.AddMember("count", options.count, a);
    shard.AddMember("startAtUnixNs",
                    static_cast<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             startAt.time_since_epoch())
                                             .count()),
                    a);
    shard.AddMember("outputDir", rapidjson::Value(folder.path(), a), a);
    // A local shard dies with its coordinator (PR_SET_PDEATHSIG): this says which process that
    // is, so a shard started just as the coordinator died sees it and never starts its load.
    if (!options.asJob) shard.AddMember("coordinatorPid", static_cast<int64_t>(::getpid()), a);
    task.RemoveMember("shard");
    task.AddMember("shard", shard, a);
    // The inputs hold the targets' headers (credentials, say): owner-only, in a 0700 folder.
    AtomicWriteOptions privateFile;
    privateFile.mode = 0600;
    writeFileAtomically(taskFile, toJson(task), privateFile);
  } catch (const AtomicWriteError& e) {
    throw sdk::TaskFailed("shards: cannot write the shards' task in " + folder.path() + ": " +
                          e.what());
  }

  const std::string binary = handlerBinary();
  const std::string plugins = pluginFolder();
  std::vector<std::unique_ptr<Subprocess>> shards;
  std::vector<std::string> logs;
  std::vector<ShardOutcome> outcomes(static_cast<size_t>(options.count));
  // In a cluster one process, the handler's `collect-shard-job`, runs the shards as the pods of
  // an Indexed Job and writes their partials here; locally, one process per shard.
  const int processes = options.asJob ? 1 : options.count;
  for (int i = 0; i < processes; ++i) {
    logs.push_back(folder.path() + (options.asJob ? std::string("/job.log")
                                                  : "/shard-" + std::to_string(i) + ".log"));
    int log = ::open(logs.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    SubprocessOptions spawn;
    if (options.asJob) {
      spawn.argv = {binary, "collect-shard-job", "--task", taskFile};
      if (options.expectedLength != std::chrono::nanoseconds::max()) {
        const auto wait = std::chrono::duration_cast<std::chrono::seconds>(
            options.lead + options.expectedLength + kSlack);
        spawn.argv.push_back("--timeout");
        spawn.argv.push_back(std::to_string(wait.count() + 1));
      }
    } else {
      spawn.argv = {binary, "collect-shard", "--task",  taskFile,
                    "-f",   experimentFile,  "--index", std::to_string(i)};
      if (!plugins.empty()) {
        spawn.argv.push_back("--plugins-dir");
        spawn.argv.push_back(plugins);
      }
    }
    spawn.stdoutTo = log >= 0 ? log : kNullStream;
    spawn.stderrTo = log >= 0 ? log : kNullStream;
    auto process = std::make_unique<Subprocess>();
    int error = process->start(spawn);
    if (log >= 0) ::close(log);
    if (error != 0) {
      throw sdk::TaskFailed(
          "shards: cannot start " +
          (options.asJob ? std::string("the shards' Job runner") : "shard " + std::to_string(i)) +
          ": " + process->startError());  // the started ones are killed on return
    }
    shards.push_back(std::move(process));
  }
  if (options.asJob) {
    host.info("shards: " + std::to_string(options.count) +
              " shards as an Indexed Job (handler collect-shard-job), load from the common "
              "start in " +
              std::to_string(options.lead.count()) + " ms");
  } else {
    host.info("shards: " + std::to_string(options.count) + " shard processes started (" + binary +
              " collect-shard), load from the common start in " +
              std::to_string(options.lead.count()) + " ms");
  }

  // The Job runner has its own --timeout, after which it still collects what the pods handed
  // over and deletes the Job: it gets that long plus time to clean up before it is stopped.
  const Clock::time_point deadline =
      options.expectedLength == std::chrono::nanoseconds::max()
          ? Clock::time_point::max()
          : Clock::now() + options.lead + options.expectedLength + kSlack +
                (options.asJob ? kJobCleanup : std::chrono::seconds(0));
  // What the shards were given, for the missing ones' reasons.
  const std::string limit = options.expectedLength == std::chrono::nanoseconds::max()
                                ? ""
                                : "the schedule's " + secondsText(options.expectedLength) +
                                      " (with the requests' timeout) + " +
                                      secondsText(options.lead) + " of lead + " +
                                      secondsText(kSlack) + " of grace";
  std::vector<Stopped> stopped(shards.size(), Stopped::kNo);
  Clock::time_point nextReport = Clock::now() + options.lead + kReportEvery;
  bool stopping = false;
  const auto sweepWait = std::chrono::microseconds(20000 / options.count);
  Clock::time_point killAt = Clock::time_point::max();
  for (;;) {
    bool running = false;
    for (auto& shard : shards) {
      // A short wait each, so one sweep over 64 shards still sees a cancellation at once.
      if (!shard->exited() && !shard->wait(Clock::now() + sweepWait)) {
        running = true;
      }
    }
    if (!running) break;
    const Clock::time_point now = Clock::now();
    if (now >= nextReport) {  // the shards log to their files: say the load is still going
      nextReport = now + kReportEvery;
      int left = 0;
      for (const auto& shard : shards) left += shard->exited() ? 0 : 1;
      const auto since = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now() - startAt);
      host.info("shards: " + std::to_string(left) + " of " + std::to_string(options.count) +
                " still running, " + std::to_string(since.count()) + "s since the common start");
    }
    if (!stopping && (host.cancelled() || now >= deadline)) {
      stopping = true;  // SIGTERM: each shard stops its load and writes what it measured
      killAt = now + kStopGrace;
      for (size_t i = 0; i < shards.size(); ++i) {
        if (shards[i]->exited()) continue;
        if (!host.cancelled()) stopped[i] = Stopped::kOverdue;
        shards[i]->signal(SIGTERM);
        // A stopped process (SIGSTOP, a debugger) acts on SIGTERM only once continued.
        shards[i]->signal(SIGCONT);
      }
    }
    if (now >= killAt) {
      for (size_t i = 0; i < shards.size(); ++i) {
        if (shards[i]->exited()) continue;
        stopped[i] =
            stopped[i] == Stopped::kOverdue ? Stopped::kKilledOverdue : Stopped::kKilledCancelled;
        shards[i]->kill();
      }
    }
  }
  if (options.asJob) {
    const Subprocess& runner = *shards[0];
    bool any = false;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      std::error_code ec;
      const std::string file = partialFile(folder.path(), i);
      // The runner writes each partial whole (temporary file, rename), even when stopped.
      if (fs::exists(file, ec)) readPartial(outcomes[i], file, i);
      any = any || outcomes[i].reported;
      if (!outcomes[i].reported && outcomes[i].missing.empty()) {
        outcomes[i].missing =
            "did not report: its pod of the shards' Job failed or had not "
            "finished when the Job ended (its log: kubectl logs)";
      }
    }
    if (!any && !(WIFEXITED(runner.status()) && WEXITSTATUS(runner.status()) == 0)) {
      throw sdk::TaskFailed("shards: the shards' Job " +
                            whyMissing(runner, logs[0], stopped[0], limit + " + its cleanup"));
    }
    return outcomes;
  }
  for (size_t i = 0; i < shards.size(); ++i) {
    ShardOutcome& outcome = outcomes[i];
    const std::string file = partialFile(folder.path(), i);
    std::error_code ec;
    // An overdue shard's partial (written on SIGTERM) is not merged: it is counted missing whole,
    // as in a cluster, where an overdue pod is never waited for.
    const bool overdue = stopped[i] == Stopped::kOverdue || stopped[i] == Stopped::kKilledOverdue;
    if (fs::exists(file, ec) && !overdue) readPartial(outcome, file, i);
    if (!outcome.reported && outcome.missing.empty()) {
      outcome.missing = whyMissing(*shards[i], logs[i], stopped[i], limit);
    }
  }
  return outcomes;  // the folder, partials included, goes now
}

}  // namespace iter8::metrics
