#include "plugins/common/readiness.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "lib/json.h"
#include "plugins/common/kubectl.h"
#include "plugins/support/version_info.h"

namespace iter8::common {
namespace {

using Clock = std::chrono::steady_clock;

bool isLabel(const std::string& text) {
  if (text.empty() || text.size() > 63) return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return text.front() != '-' && text.back() != '-';
}

// DNS-1123 subdomain: dot-separated labels, at most 253 characters (what Kubernetes requires of
// most object names).
bool isSubdomain(const std::string& text) {
  if (text.empty() || text.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    if (!isLabel(text.substr(start, dot == std::string::npos ? std::string::npos : dot - start)))
      return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

std::string stringOf(const rapidjson::Value* value) {
  return value != nullptr && value->IsString() ? value->GetString() : "";
}

std::chrono::milliseconds toMillis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
}

std::string secondsText(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", seconds);
  return buffer;
}

std::string describe(const ReadinessTask::Object& object, const std::string& ns) {
  return object.kind + " " + (ns.empty() ? "" : ns + "/") + object.name;
}

void sleepOrStop(const sdk::Host& host, double seconds) {
  if (host.waitCancelled(toMillis(seconds))) {
    throw sdk::Error(ITER8_ERR_CANCELLED, "stopped while waiting: the handler is stopping");
  }
}

// `weightObjRef` of a version in spec.versionInfo, as an object to check (the original added
// them without waitFor).
void addWeightObject(const rapidjson::Value* version, std::vector<ReadinessTask::Object>& out) {
  const rapidjson::Value* ref = version ? findMember(*version, "weightObjRef") : nullptr;
  if (ref == nullptr || !ref->IsObject()) return;
  ReadinessTask::Object object{stringOf(findMember(*ref, "kind")),
                               stringOf(findMember(*ref, "name")),
                               stringOf(findMember(*ref, "namespace")), ""};
  if (object.kind.empty() || object.name.empty()) return;
  out.push_back(std::move(object));
}

// The objects to check: `declared` then the versions' weightObjRefs, each once, with the
// experiment's namespace where they name none. Versions often share one routing object (a
// VirtualService).
std::vector<ReadinessTask::Object> objectsToCheck(std::vector<ReadinessTask::Object> objects,
                                                  const rapidjson::Value& experiment) {
  const rapidjson::Value* metadata = findMember(experiment, "metadata");
  const std::string experimentNamespace =
      stringOf(metadata ? findMember(*metadata, "namespace") : nullptr);
  for (const rapidjson::Value* version : support::versionsOf(experiment)) {
    addWeightObject(version, objects);
  }
  std::vector<ReadinessTask::Object> unique;
  for (auto& object : objects) {
    if (object.ns.empty()) object.ns = experimentNamespace;
    bool seen = false;
    for (const auto& u : unique) {
      seen = seen || (u.kind == object.kind && u.name == object.name && u.ns == object.ns &&
                      u.waitFor == object.waitFor);
    }
    if (!seen) unique.push_back(object);
  }
  return unique;
}

// What is wrong with `object` now (kubectl get, then kubectl wait --timeout=0s when it has a
// waitFor), or "" when it is ready.
std::string problemOf(const std::string& kubectl, const ReadinessTask::Object& object,
                      sdk::Host& host) {
  std::vector<std::string> get{"get", object.kind, object.name};
  if (!object.ns.empty()) get.insert(get.end(), {"-n", object.ns});
  KubectlOutcome found = runKubectlCaptured(kubectl, get, host);
  host.debug(commandLine(get) + (found.ok ? ": found" : ": " + found.lastWords));
  if (!found.ok) return describe(object, object.ns) + " is missing (" + found.lastWords + ")";
  if (object.waitFor.empty()) return "";
  std::vector<std::string> wait{"wait", object.kind + "/" + object.name};
  if (!object.ns.empty()) wait.insert(wait.end(), {"-n", object.ns});
  wait.insert(wait.end(), {"--for=" + object.waitFor, "--timeout=0s"});
  KubectlOutcome ready = runKubectlCaptured(kubectl, wait, host);
  host.debug(commandLine(wait) + (ready.ok ? ": met" : ": " + ready.lastWords));
  if (!ready.ok) {
    return describe(object, object.ns) + " is not " + object.waitFor + " (" + ready.lastWords + ")";
  }
  return "";
}

// One attempt: every object checked, the problems found.
std::vector<std::string> checkAll(const std::string& kubectl,
                                  const std::vector<ReadinessTask::Object>& objects,
                                  sdk::Host& host) {
  std::vector<std::string> problems;
  for (const auto& object : objects) {
    std::string problem = problemOf(kubectl, object, host);
    if (!problem.empty()) problems.push_back(std::move(problem));
  }
  return problems;
}

}  // namespace

ReadinessTask::ReadinessTask(const sdk::TaskSpec& spec, sdk::Host& host) {
  if (const rapidjson::Value* v = spec.find("initialDelaySeconds")) {
    initialDelaySeconds_ = v->GetDouble();
  }
  if (const rapidjson::Value* v = spec.find("numRetries")) numRetries_ = v->GetInt64();
  if (const rapidjson::Value* v = spec.find("intervalSeconds")) intervalSeconds_ = v->GetDouble();
  const rapidjson::Value* refs = spec.find("objRefs");
  if (refs == nullptr) return;
  for (rapidjson::SizeType i = 0; i < refs->Size(); ++i) {
    const rapidjson::Value& ref = (*refs)[i];
    Object object{stringOf(findMember(ref, "kind")), stringOf(findMember(ref, "name")),
                  stringOf(findMember(ref, "namespace")), stringOf(findMember(ref, "waitFor"))};
    const std::string field = "input 'with.objRefs[" + std::to_string(i) + "].name'";
    if (!isSubdomain(object.name)) {
      throw sdk::InputError(field + " is '" + object.name +
                            "'; expected a Kubernetes object name (lower-case letters, digits, "
                            "'-' and '.', at most 253 characters)");
    }
    if (!isLabel(object.name)) {
      // The original refused names that are not DNS labels; many objects have dotted names.
      host.warn(field + " '" + object.name +
                "' is not a DNS label; the Go handler refused it, this handler accepts it");
    }
    objects_.push_back(std::move(object));
  }
}

void ReadinessTask::run(sdk::Host& host) {
  const std::string kubectl = findKubectl("common/readiness");
  const std::vector<Object> unique = objectsToCheck(objects_, host.experiment());
  if (unique.empty()) {
    host.info("no objects to check (no objRefs and no weightObjRef in spec.versionInfo)");
    return;
  }

  const auto started = Clock::now();
  host.info("checking " + std::to_string(unique.size()) + " object(s) after " +
            secondsText(initialDelaySeconds_) + " s, up to " + std::to_string(numRetries_ + 1) +
            " time(s) " + secondsText(intervalSeconds_) + " s apart");
  sleepOrStop(host, initialDelaySeconds_);

  std::vector<std::string> problems;
  long long attempt = 0;
  for (;; ++attempt) {
    problems = checkAll(kubectl, unique, host);
    if (problems.empty()) {
      host.info("all " + std::to_string(unique.size()) + " object(s) ready at attempt " +
                std::to_string(attempt + 1));
      return;
    }
    if (attempt >= numRetries_) break;
    host.info("attempt " + std::to_string(attempt + 1) + ": " + std::to_string(problems.size()) +
              " of " + std::to_string(unique.size()) + " object(s) not ready; next check in " +
              secondsText(intervalSeconds_) + " s");
    sleepOrStop(host, intervalSeconds_);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  std::string message = std::to_string(problems.size()) + " of " + std::to_string(unique.size()) +
                        " object(s) not ready after " + std::to_string(attempt + 1) +
                        " attempt(s) in " + secondsText(std::round(elapsed * 10) / 10) + " s: ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  throw sdk::TaskFailed(message);
}

}  // namespace iter8::common
