#include "host/loader/host_services.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "host/loader/input_validation.h"
#include "host/log.h"
#include "host/process/cancellation.h"
#include "host/source/crd_status_fields.h"
#include "host/template/template.h"
#include "iter8_version.h"
#include "lib/json.h"
#include "lib/text.h"

namespace iter8 {
namespace {

// Copies `message` into a plugin's error buffer, truncating and always NUL-terminating.
void copyMessage(char* buffer, size_t size, std::string_view message) {
  if (buffer == nullptr || size == 0) return;
  const size_t n = std::min(message.size(), size - 1);
  std::memcpy(buffer, message.data(), n);
  buffer[n] = '\0';
}

constexpr const char* kCallablesMember = "$callables";

TaskContext& contextOf(void* host) {
  return *static_cast<TaskContext*>(host);
}

spdlog::level::level_enum toSpdlog(iter8_log_level level) {
  switch (level) {
    case ITER8_LOG_TRACE:
      return spdlog::level::trace;
    case ITER8_LOG_DEBUG:
      return spdlog::level::debug;
    case ITER8_LOG_INFO:
      return spdlog::level::info;
    case ITER8_LOG_WARNING:
      return spdlog::level::warn;
    case ITER8_LOG_ERROR:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// Every service catches everything: no exception may unwind into plugin code.
template <class F>
iter8_status guarded(char* error, size_t size, F&& f) {
  try {
    return f();
  } catch (const SourceError& e) {
    copyMessage(error, size, redact(e.what()));
    return e.kind() == SourceError::Kind::kNotFound ? ITER8_ERR_NOT_FOUND : ITER8_ERR_UNAVAILABLE;
  } catch (const TemplateKeyNotFound& e) {
    copyMessage(error, size, redact(e.what()));
    return ITER8_ERR_NOT_FOUND;
  } catch (const TemplateError& e) {
    copyMessage(error, size, redact(e.what()));
    return ITER8_ERR_INVALID_INPUT;
  } catch (const JsonError& e) {
    copyMessage(error, size, e.what());
    return ITER8_ERR_INVALID_INPUT;
  } catch (const std::exception& e) {
    copyMessage(error, size, redact(e.what()));
    return ITER8_ERR_INTERNAL;
  } catch (...) {
    copyMessage(error, size, "unknown error in the host");
    return ITER8_ERR_INTERNAL;
  }
}

void deliver(iter8_sink sink, void* sinkContext, const std::string& text) {
  if (sink != nullptr) sink(sinkContext, text.data(), text.size());
}

void logService(void* host, iter8_log_level level, const char* message) {
  try {
    logger().log(toSpdlog(level), "{}: {}", contextOf(host).label, message ? message : "");
  } catch (...) {
  }
}

int logEnabledService(void*, iter8_log_level level) {
  return logger().should_log(toSpdlog(level)) ? 1 : 0;
}

void terminationLogService(void* host, const char* message) {
  try {
    if (contextOf(host).writeTerminationLog && message)
      contextOf(host).writeTerminationLog(message);
  } catch (...) {
  }
}

iter8_status getExperimentService(void* host, iter8_sink sink, void* sinkContext, char* error,
                                  size_t size) {
  return guarded(error, size, [&] {
    deliver(sink, sinkContext, toJson(contextOf(host).source->read()));
    return ITER8_OK;
  });
}

// A field the Experiment CRD does not declare works on a file and vanishes in a cluster: say so,
// once a field, wherever the handler runs.
void warnOfFieldsACrdDrops(const TaskContext& context, const rapidjson::Value& patch) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  for (const std::string& field : statusFieldsACrdDrops(patch)) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!warned.insert(field).second) continue;
    logger().warn(
        "{}: status field {} is not in the Experiment CRD's schema: a cluster's API server "
        "drops it (keep results in declared fields or under "
        "status.analysis.aggregatedBuiltinHists.data; docs/plugin-guide.md#where-results-live)",
        context.label, shortenName(field));
  }
}

iter8_status updateStatusService(void* host, const char* patchJson, char* error, size_t size) {
  return guarded(error, size, [&] {
    if (patchJson == nullptr) throw JsonError("status patch is NULL");
    rapidjson::Document patch = parseJson(patchJson);
    if (!patch.IsObject()) throw JsonError("status patch must be a JSON object");
    warnOfFieldsACrdDrops(contextOf(host), patch);
    contextOf(host).source->updateStatus(patch);
    return ITER8_OK;
  });
}

iter8_status getSecretService(void* host, const char* ref, iter8_sink sink, void* sinkContext,
                              char* error, size_t size) {
  return guarded(error, size, [&] {
    TaskContext& context = contextOf(host);
    std::string ns, name;
    if (ref == nullptr || !parseSecretRef(ref, context.source->experimentNamespace(), ns, name)) {
      copyMessage(error, size,
                  "secret reference '" + std::string(ref ? ref : "") +
                      "' is not 'name' or 'namespace/name'");
      return ITER8_ERR_INVALID_INPUT;
    }
    SecretData data = context.source->getSecret(ns, name);
    rapidjson::Document out(rapidjson::kObjectType);
    for (const auto& [key, value] : data) {
      registerSecret(value);
      out.AddMember(rapidjson::Value(key, out.GetAllocator()),
                    rapidjson::Value(value, out.GetAllocator()), out.GetAllocator());
    }
    deliver(sink, sinkContext, toJson(out));
    return ITER8_OK;
  });
}

// The interpolate convention (plugin_api.h): a top-level "$callables" array names members that
// templates may call with one string argument. No template can reach a "$" member, so it is
// taken out of the data rather than shadowing anything.
void takeCallables(rapidjson::Document& data, std::vector<std::string>& callables) {
  if (!data.IsObject()) return;
  auto it = data.FindMember(kCallablesMember);
  if (it == data.MemberEnd()) return;
  if (!it->value.IsArray()) {
    throw JsonError(std::string("template data member '") + kCallablesMember +
                    "' must be an array of member names");
  }
  for (const auto& name : it->value.GetArray()) {
    if (!name.IsString()) {
      throw JsonError(std::string("template data member '") + kCallablesMember +
                      "' must be an array of member names");
    }
    callables.emplace_back(name.GetString(), name.GetStringLength());
  }
  data.RemoveMember(it);
}

iter8_status interpolateService(void*, const char* text, const char* dataJson,
                                const char* leftDelim, const char* rightDelim, iter8_sink sink,
                                void* sinkContext, char* error, size_t size) {
  return guarded(error, size, [&] {
    rapidjson::Document data = dataJson ? parseJson(dataJson) : parseJson("{}");
    TemplateOptions options;
    if (strictInputs()) options.missingKey = MissingKey::kError;  // as interpolate_with
    if (leftDelim != nullptr) options.delims.left = leftDelim;
    if (rightDelim != nullptr) options.delims.right = rightDelim;
    takeCallables(data, options.callables);
    deliver(sink, sinkContext, renderTemplate(text ? text : "", data, options));
    return ITER8_OK;
  });
}

int isCancelledService(void*) {
  return cancellationRequested() ? 1 : 0;
}

// ---- ABI 1.1 ----

TemplateOptions templateOptionsOf(const iter8_interpolate_options* options) {
  TemplateOptions out;
  if (options == nullptr) return out;
  // Read only the fields that end within the caller's struct (it may be older or newer).
  const auto has = [&](size_t offset, size_t size) {
    return options->struct_size >= offset + size;
  };
  if (has(offsetof(iter8_interpolate_options, missing_key), sizeof options->missing_key)) {
    switch (options->missing_key) {
      case ITER8_MISSING_KEY_NO_VALUE:
        out.missingKey = MissingKey::kNoValue;
        break;
      case ITER8_MISSING_KEY_EMPTY:
        out.missingKey = MissingKey::kEmpty;
        break;
      case ITER8_MISSING_KEY_ERROR:
        out.missingKey = MissingKey::kError;
        break;
      default:
        throw JsonError("interpolate options: missing_key " + std::to_string(options->missing_key) +
                        " is not an iter8_missing_key");
    }
  }
  if (has(offsetof(iter8_interpolate_options, field_names), sizeof options->field_names)) {
    if (options->field_names > ITER8_FIELD_NAMES_GO) {
      throw JsonError("interpolate options: field_names " + std::to_string(options->field_names) +
                      " is not an iter8_field_names");
    }
    out.goFieldNames = options->field_names == ITER8_FIELD_NAMES_GO;
  }
  if (has(offsetof(iter8_interpolate_options, right_delim), sizeof options->right_delim)) {
    if (options->left_delim != nullptr) out.delims.left = options->left_delim;
    if (options->right_delim != nullptr) out.delims.right = options->right_delim;
  }
  if (has(offsetof(iter8_interpolate_options, callables), sizeof options->callables) &&
      options->callables != nullptr) {
    for (uint32_t i = 0; i < options->callable_count; ++i) {
      if (options->callables[i] == nullptr) {
        throw JsonError("interpolate options: callables[" + std::to_string(i) + "] is NULL");
      }
      out.callables.emplace_back(options->callables[i]);
    }
  }
  return out;
}

iter8_status interpolateWithService(void* host, const char* text, const char* dataJson,
                                    const iter8_interpolate_options* options, iter8_sink sink,
                                    void* sinkContext, char* error, size_t size) {
  return guarded(error, size, [&] {
    rapidjson::Document data = dataJson ? parseJson(dataJson) : parseJson("{}");
    TemplateOptions templateOptions = templateOptionsOf(options);
    // --strict (the mode for CI): a key a template reads and the data lacks is an error, as
    // Go's missingkey=error, not an empty string that a script then runs with.
    if (strictInputs()) templateOptions.missingKey = MissingKey::kError;
    std::vector<std::string> missingKeys;
    templateOptions.missingKeys = &missingKeys;
    const std::string rendered = renderTemplate(text ? text : "", data, templateOptions);
    // A typo in a template renders as empty or "<no value>" without failing; say so.
    for (const auto& path : missingKeys) {
      logger().warn(
          "{}: template key {} is missing; it rendered as {}", contextOf(host).label, path,
          templateOptions.missingKey == MissingKey::kEmpty ? "an empty string" : "\"<no value>\"");
    }
    deliver(sink, sinkContext, rendered);
    return ITER8_OK;
  });
}

iter8_json_type jsonTypeOf(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return ITER8_JSON_NULL;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return ITER8_JSON_BOOL;
    case rapidjson::kNumberType:
      return ITER8_JSON_NUMBER;
    case rapidjson::kStringType:
      return ITER8_JSON_STRING;
    case rapidjson::kArrayType:
      return ITER8_JSON_ARRAY;
    case rapidjson::kObjectType:
      return ITER8_JSON_OBJECT;
  }
  return ITER8_JSON_NULL;
}

iter8_status jsonLookupService(void*, const char* jsonText, const char* pointer,
                               iter8_json_type* type, iter8_sink sink, void* sinkContext,
                               char* error, size_t size) {
  return guarded(error, size, [&] {
    if (jsonText == nullptr || pointer == nullptr)
      throw JsonError("json_text and pointer are required");
    const rapidjson::Document document = parseJson(jsonText);
    const rapidjson::Value* value = findPointer(document, pointer);
    if (value == nullptr) {
      copyMessage(error, size, std::string("nothing at JSON pointer '") + pointer + "'");
      return ITER8_ERR_NOT_FOUND;
    }
    if (type != nullptr) *type = jsonTypeOf(*value);
    if (value->IsString()) {
      deliver(sink, sinkContext, std::string(value->GetString(), value->GetStringLength()));
    } else {
      deliver(sink, sinkContext, toJson(*value));
    }
    return ITER8_OK;
  });
}

int waitCancelledService(void*, uint32_t timeoutMs) {
  try {
    return waitForCancellation(std::chrono::milliseconds(timeoutMs)) ? 1 : 0;
  } catch (...) {
    return cancellationRequested() ? 1 : 0;
  }
}

const char* handlerVersionService(void*) {
  return ITER8_VERSION;
}

// ---- ABI 1.2 ----

static_assert(static_cast<int>(CancelReason::kNone) == ITER8_CANCEL_NONE &&
                  static_cast<int>(CancelReason::kSignal) == ITER8_CANCEL_SIGNAL &&
                  static_cast<int>(CancelReason::kTaskTimeout) == ITER8_CANCEL_TASK_TIMEOUT &&
                  static_cast<int>(CancelReason::kDeadline) == ITER8_CANCEL_DEADLINE,
              "CancelReason mirrors iter8_cancel_reason");

iter8_cancel_reason cancelReasonService(void*) {
  if (!cancellationRequested()) return ITER8_CANCEL_NONE;
  const CancelReason reason = cancellationReason();
  // Set before the flag, so never kNone here; were it, "a stop signal" is the safe answer.
  return reason == CancelReason::kNone ? ITER8_CANCEL_SIGNAL
                                       : static_cast<iter8_cancel_reason>(reason);
}

}  // namespace

bool parseSecretRef(const std::string& ref, const std::string& defaultNamespace, std::string& ns,
                    std::string& name) {
  size_t slash = ref.find('/');
  if (slash == std::string::npos) {
    ns = defaultNamespace;
    name = ref;
  } else {
    ns = ref.substr(0, slash);
    name = ref.substr(slash + 1);
  }
  return !ns.empty() && !name.empty() && name.find('/') == std::string::npos;
}

iter8_host_services makeHostServices(TaskContext* context) {
  iter8_host_services services{};
  services.struct_size = sizeof(iter8_host_services);
  services.abi_major = ITER8_ABI_MAJOR;
  services.abi_minor = ITER8_ABI_MINOR;
  services.host = context;
  services.log = logService;
  services.log_enabled = logEnabledService;
  services.write_termination_log = terminationLogService;
  services.get_experiment = getExperimentService;
  services.update_status = updateStatusService;
  services.get_secret = getSecretService;
  services.interpolate = interpolateService;
  services.is_cancelled = isCancelledService;
  services.interpolate_with = interpolateWithService;
  services.json_lookup = jsonLookupService;
  services.wait_cancelled = waitCancelledService;
  services.handler_version = handlerVersionService;
  services.cancel_reason = cancelReasonService;
  return services;
}

}  // namespace iter8
