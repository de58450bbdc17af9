#include "plugins/metrics/collect.h"

#include <unistd.h>

#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "lib/duration.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/timestamp.h"
#include "plugins/metrics/descriptors.h"
#include "plugins/metrics/fortio_result.h"
#include "plugins/metrics/loadgen/http_target.h"
#include "plugins/metrics/progress_report.h"
#include "plugins/metrics/version_recorder.h"
#include "plugins/support/version_info.h"

namespace iter8::metrics {
namespace {

constexpr auto kPayloadFetchTimeout = std::chrono::seconds(10);

std::chrono::nanoseconds durationInput(const sdk::TaskSpec& spec, const char* key,
                                       std::chrono::nanoseconds fallback) {
  const rapidjson::Value* value = spec.find(key);
  if (value == nullptr) return fallback;
  auto parsed = parseGoDuration(value->GetString());
  if (!parsed || parsed->count() <= 0) {
    throw sdk::InputError(std::string("input 'with.") + key + "' is \"" + value->GetString() +
                          "\"; expected a positive Go duration such as 5s, 250ms or 1m30s");
  }
  return *parsed;
}

// Names of spec.versionInfo's baseline and candidates.
std::set<std::string> declaredVersions(const rapidjson::Value& experiment) {
  std::set<std::string> names;
  for (const rapidjson::Value* version : support::versionsOf(experiment)) {
    if (std::string_view name = support::versionName(*version); !name.empty()) {
      names.emplace(name);
    }
  }
  return names;
}

LoadEngine engineInput(const sdk::TaskSpec& spec) {
  std::string engine = spec.optionalString("engine");
  if (engine == "fast") return LoadEngine::kFast;
  if (engine == "curl") return LoadEngine::kCurl;
  return LoadEngine::kAuto;  // the schema allows nothing else
}

std::string joined(const std::set<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

// The load every version gets unless it says otherwise: the task's inputs and their defaults.
LoadSpec defaultLoad(const sdk::TaskSpec& spec) {
  LoadSpec defaults;
  const rapidjson::Value* numQueries = spec.find("numQueries");
  defaults.numQueries = numQueries ? numQueries->GetUint64() : 0;
  defaults.duration = durationInput(spec, "time", std::chrono::seconds(5));
  defaults.timeout = durationInput(spec, "timeout", std::chrono::seconds(3));
  const rapidjson::Value* qps = spec.find("qps");
  defaults.qps = qps ? qps->GetDouble() : 8;
  const rapidjson::Value* connections = spec.find("connections");
  defaults.connections = connections ? connections->GetInt() : 4;
  defaults.body = spec.optionalString("payloadStr");
  defaults.contentType = spec.optionalString("contentType");
  defaults.engine = engineInput(spec);
  return defaults;
}

// Version input `v` (at `field`)'s URL, qps and headers into `load`; its URL checked, also
// against the fast engine when the task asks for it.
void readVersionLoad(const rapidjson::Value& v, const std::string& field, LoadSpec& load,
                     const sdk::Host& host) {
  load.url = v["url"].GetString();
  // `url: hello-candidate.default` (a service name, in the Iter8 project's own experiments):
  // the original's Fortio assumed http:// with this warning (original-tasks.md 4.6).
  if (!load.url.empty() && load.url.find("://") == std::string::npos) {
    host.warn("input '" + field + ".url': Assuming http:// on missing scheme for '" +
              http::urlForMessages(load.url) + "'");
    load.url = "http://" + load.url;
  }
  if (!http::isHttpUrl(load.url)) {
    throw sdk::InputError("input '" + field + ".url' is \"" + http::urlForMessages(load.url) +
                          "\"; expected an http:// or https:// URL");
  }
  if (load.engine == LoadEngine::kFast) {
    if (std::string refusal = fastEngineRefusal(load.url); !refusal.empty()) {
      throw sdk::InputError("input 'with.engine' is \"fast\", but '" + field + ".url' (" +
                            http::urlForMessages(load.url) + ") cannot use it: " + refusal +
                            "; expected engine \"curl\" or \"auto\" for this URL");
    }
  }
  if (v.HasMember("qps")) load.qps = v["qps"].GetDouble();
  if (v.HasMember("headers")) {
    for (const auto& h : v["headers"].GetObject()) {
      load.headers.push_back(std::string(h.name.GetString()) + ": " + h.value.GetString());
    }
  }
}

}  // namespace

CollectTask::CollectTask(const sdk::TaskSpec& spec, sdk::Host& host)
    : payloadUrl_(spec.optionalString("payloadURL")),
      loadOnly_(spec.optionalBool("loadOnly")),
      failOnMissingShard_(spec.optionalString("onShardMissing", "fail") != "warn"),
      shardRun_(readShardRun(spec)),
      taskSpecJson_(toJson(spec.document())) {
  shards_ = shardRun_ ? static_cast<int>(shardRun_->count) : readShards(spec);
  const LoadSpec defaults = defaultLoad(spec);
  if (!payloadUrl_.empty() && !http::isHttpUrl(payloadUrl_)) {
    throw sdk::InputError("input 'with.payloadURL' is not an http(s) URL");
  }

  std::set<std::string> declared = declaredVersions(host.experiment());
  if (declared.empty()) {
    host.warn(
        "the experiment has no spec.versionInfo (baseline and candidates), so every "
        "version is collected as a pseudo version and cannot be compared; add "
        "spec.versionInfo.baseline.name (and candidates) to compare them");
  }
  std::set<std::string> seen;
  const rapidjson::Value& versions = spec.with()["versions"];
  for (rapidjson::SizeType i = 0; i < versions.Size(); ++i) {
    const rapidjson::Value& v = versions[i];
    std::string field = "with.versions[" + std::to_string(i) + "]";
    Version version{v["name"].GetString(), defaults};
    if (!seen.insert(version.name).second) {
      throw sdk::InputError("input '" + field + ".name': version \"" + version.name +
                            "\" is listed twice");
    }
    // Pseudo versions (iter8's docs use them for load-only runs) are allowed, as the original
    // did; a typo is the likelier cause, so say so once per name.
    if (!declared.empty() && !declared.count(version.name)) {
      host.warn("input '" + field + ".name' is \"" + version.name +
                "\", which is not a version of spec.versionInfo (" + joined(declared) +
                "); it is collected as a pseudo version");
    }
    readVersionLoad(v, field, version.load, host);
    versions_.push_back(std::move(version));
  }
  if (shardRun_) {
    for (auto& version : versions_) {
      version.load =
          shardLoad(version.load, shardRun_->index, shardRun_->count, shardRun_->startAt);
    }
    return;
  }
  std::vector<std::pair<std::string, LoadSpec>> loads;
  for (const auto& version : versions_) loads.emplace_back(version.name, version.load);
  if (std::string problem = splitProblem(shards_, loads); !problem.empty()) {
    throw sdk::InputError(problem);
  }
}

std::string CollectTask::fetchPayload(sdk::Host& host) const {
  http::Request request;
  request.url = payloadUrl_;
  request.timeout = kPayloadFetchTimeout;
  std::string where = "input 'with.payloadURL' (" + http::urlForMessages(payloadUrl_) + ")";
  try {
    http::Response response = http::send(request);
    if (response.status >= 400) {
      throw sdk::TaskFailed(where + ": fetching the payload returned HTTP " +
                            std::to_string(response.status));
    }
    host.debug("payload of " + std::to_string(response.body.size()) + " bytes fetched");
    return response.body;
  } catch (const http::HttpError& e) {
    throw sdk::TaskFailed(where + ": fetching the payload failed: " + e.what());
  }
}

CollectTask::Measured CollectTask::sendLoads(sdk::Host& host) const {
  long connections = 0;
  for (const auto& version : versions_) connections += version.load.connections;
  try {
    if (std::string raised = reserveDescriptors(connections); !raised.empty()) host.debug(raised);
  } catch (const std::runtime_error& e) {
    throw sdk::TaskFailed(e.what());  // before any request: no version is blamed
  }
  Measured measured;
  measured.results.resize(versions_.size());
  std::vector<std::string> errors(versions_.size());
  ProgressReport progress(host, versions_.size());
  for (size_t i = 0; i < versions_.size(); ++i) {
    measured.recorders.push_back(std::make_unique<VersionRecorder>());
    progress.describe(i, versions_[i].name, versions_[i].load);
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < versions_.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        measured.results[i] = runLoad(
            versions_[i].load, *measured.recorders[i], [&host] { return host.cancelled(); },
            [&progress, i](const Progress& p) { progress.update(i, p); });
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      progress.finished(i);
    });
  }
  progress.runUntilDone(threads);
  for (size_t i = 0; i < versions_.size(); ++i) {
    if (!errors[i].empty()) {
      throw sdk::TaskFailed("version " + versions_[i].name + ": " + errors[i]);
    }
  }
  progress.summary(measured.recorders, measured.results);
  return measured;
}

std::vector<rapidjson::Value> CollectTask::resultsOf(sdk::Host& host, const Measured& measured,
                                                     rapidjson::Document::AllocatorType& a) const {
  const std::string generator = "iter8-handler " + host.handlerVersion();
  std::vector<rapidjson::Value> results;
  for (size_t i = 0; i < versions_.size(); ++i) {
    const Version& version = versions_[i];
    RunDescription run{version.name,
                       http::urlForMessages(version.load.url),
                       version.load.qps,
                       version.load.duration,
                       version.load.numQueries,
                       version.load.connections,
                       version.load.timeout,
                       generator};
    results.push_back(fortioResultJson(run, measured.results[i], *measured.recorders[i], a));
  }
  return results;
}

void CollectTask::recordResults(sdk::Host& host, rapidjson::Document& patch,
                                std::vector<rapidjson::Value>& results) const {
  rapidjson::Document experiment = host.experiment();
  const rapidjson::Value* stored =
      findPath(experiment, {"status", "analysis", "aggregatedBuiltinHists", "data"});
  patch.SetObject();
  auto& a = patch.GetAllocator();
  rapidjson::Value data(rapidjson::kObjectType);
  for (size_t i = 0; i < versions_.size(); ++i) {
    const Version& version = versions_[i];
    rapidjson::Value& result = results[i];
    if (const rapidjson::Value* earlier = stored ? findMember(*stored, version.name) : nullptr) {
      try {
        mergeEarlierResult(result, *earlier, a);
      } catch (const std::exception& e) {
        host.warn("status.analysis.aggregatedBuiltinHists.data." + version.name +
                  " from an earlier run cannot be merged (" + e.what() + "); it is replaced");
      }
    }
    data.AddMember(rapidjson::Value(version.name, a), result, a);
  }
  rapidjson::Value hists(rapidjson::kObjectType);
  // The original's value (section 3.6 of the reference); `message` names our generator.
  hists.AddMember("provenance", "Builtin metrics collector", a);
  hists.AddMember("timestamp", rapidjson::Value(rfc3339Utc(), a), a);
  hists.AddMember("message",
                  "collected by the iter8 handler's built-in load generator (Fortio format)", a);
  hists.AddMember("data", data, a);
  rapidjson::Value analysis(rapidjson::kObjectType);
  analysis.AddMember("aggregatedBuiltinHists", hists, a);
  patch.AddMember("analysis", analysis, a);
  host.updateStatus(patch);  // a failure throws: the task fails with the reason
}

// Descriptors that ran out during the load although reserveDescriptors made room for the
// connections (another thread, a library, a lower limit set meanwhile): the handler's failure,
// said as such. The version's results, recorded above, leave those requests out.
void CollectTask::failIfDescriptorsRanOut(const Measured& measured) const {
  std::string unsent;
  for (size_t i = 0; i < versions_.size(); ++i) {
    if (int64_t n = measured.recorders[i]->unsentForDescriptors(); n > 0) {
      unsent += (unsent.empty() ? "" : ", ") + versions_[i].name + ": " + std::to_string(n);
    }
  }
  if (!unsent.empty()) {
    throw sdk::TaskFailed("too many open files during the load: requests not sent (" + unsent +
                          "); " + describeDescriptorLimit() +
                          "; this is the handler's limit, not counted against any version");
  }
}

void CollectTask::run(sdk::Host& host) {
  if (shardRun_) {
    runShard(host);
    return;
  }
  std::string payload;
  if (!payloadUrl_.empty()) {
    payload = fetchPayload(host);
    for (auto& v : versions_) v.load.body = payload;
  }
  if (shards_ > 1) {
    runSharded(host, payload);
    return;
  }
  const Measured measured = sendLoads(host);
  const bool interrupted = host.cancelled();
  if (loadOnly_) {
    host.info("loadOnly is set: results are not recorded");
  } else {
    rapidjson::Document patch(rapidjson::kObjectType);
    std::vector<rapidjson::Value> results = resultsOf(host, measured, patch.GetAllocator());
    recordResults(host, patch, results);
  }
  failIfDescriptorsRanOut(measured);
  if (interrupted) {
    throw sdk::Error(ITER8_ERR_CANCELLED,
                     "load stopped early: the handler is stopping; partial results kept");
  }
}

}  // namespace iter8::metrics
