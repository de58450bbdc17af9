// iter8/host.hpp: the host services of iter8/plugin_api.h as a C++ class, and the errors a
// C++ task throws. Included by iter8/task.hpp; header-only; needs RapidJSON.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "iter8/internal/text.hpp"
#include "iter8/plugin_api.h"

namespace iter8::sdk {

// An error with the status to report. Throw it (or any std::exception) from a task's
// constructor or run(); the message should name the input and what was expected.
class Error : public std::runtime_error {
 public:
  Error(iter8_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  iter8_status status() const { return status_; }

 private:
  iter8_status status_;
};

// A bad input: thrown from a task's constructor becomes ITER8_ERR_INVALID_INPUT.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(ITER8_ERR_INVALID_INPUT, message) {}
};

// A failure while running: becomes ITER8_ERR_TASK_FAILED.
class TaskFailed : public Error {
 public:
  explicit TaskFailed(const std::string& message) : Error(ITER8_ERR_TASK_FAILED, message) {}
};

// Options of Host::interpolate (ABI 1.1's interpolate_with); the defaults are Go
// text/template's: `{{ }}`, missing keys print "<no value>", keys as written.
struct InterpolateOptions {
  std::string leftDelim = "{{";
  std::string rightDelim = "}}";
  iter8_missing_key missingKey = ITER8_MISSING_KEY_NO_VALUE;
  iter8_field_names fieldNames = ITER8_FIELD_NAMES_JSON;
  // Top-level data members a template may call with one string argument (`.Secret "key"`); a
  // key the member lacks throws Error with ITER8_ERR_NOT_FOUND.
  std::vector<std::string> callables;
};

// Words for a cancel reason, to finish "... was stopped: " in a task's message: "the handler is
// stopping" (a stop signal), "its time limit passed", "the handler's deadline passed", or
// "it was cancelled" for a value this SDK does not know.
inline const char* cancelReasonText(iter8_cancel_reason reason) {
  switch (reason) {
    case ITER8_CANCEL_SIGNAL:
      return "the handler is stopping";
    case ITER8_CANCEL_TASK_TIMEOUT:
      return "its time limit passed";
    case ITER8_CANCEL_DEADLINE:
      return "the handler's deadline passed";
    default:
      return "it was cancelled";
  }
}

// The host services, wrapped: calls that fail throw Error with the host's message.
class Host {
 public:
  explicit Host(const iter8_host_services* services) : services_(services) {}

  void log(iter8_log_level level, const std::string& message) const {
    services_->log(services_->host, level, message.c_str());
  }
  bool logEnabled(iter8_log_level level) const {
    return services_->log_enabled(services_->host, level) != 0;
  }
  void trace(const std::string& m) const { log(ITER8_LOG_TRACE, m); }
  void debug(const std::string& m) const { log(ITER8_LOG_DEBUG, m); }
  void info(const std::string& m) const { log(ITER8_LOG_INFO, m); }
  void warn(const std::string& m) const { log(ITER8_LOG_WARNING, m); }
  void error(const std::string& m) const { log(ITER8_LOG_ERROR, m); }

  void writeTerminationLog(const std::string& message) const {
    services_->write_termination_log(services_->host, message.c_str());
  }

  // The whole experiment, freshly read, as a JSON document.
  rapidjson::Document experiment() const {
    std::string text = call([&](char* e, size_t n, std::string* out) {
      return services_->get_experiment(services_->host, internal::appendToString, out, e, n);
    });
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str(), text.size());
    if (doc.HasParseError()) throw Error(ITER8_ERR_INTERNAL, "host sent invalid experiment JSON");
    return doc;
  }

  // Merges `patch` (a JSON object) into the experiment's status as a JSON merge patch:
  // objects merge, other values replace, null deletes (see update_status).
  void updateStatus(const rapidjson::Value& patch) const {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    patch.Accept(writer);
    updateStatus(std::string(buffer.GetString(), buffer.GetSize()));
  }
  // The same with the patch as JSON text, e.g. R"({"message":"done"})".
  void updateStatus(const std::string& patchJson) const {
    char error[ITER8_ERROR_BUFFER_SIZE] = {0};
    iter8_status status =
        services_->update_status(services_->host, patchJson.c_str(), error, sizeof error);
    if (status != ITER8_OK) throw Error(status, error);
  }

  // Secret data as a JSON object of strings. Do not log it.
  rapidjson::Document secret(const std::string& ref) const {
    std::string text = call([&](char* e, size_t n, std::string* out) {
      return services_->get_secret(services_->host, ref.c_str(), internal::appendToString, out, e,
                                   n);
    });
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str(), text.size());
    if (doc.HasParseError()) throw Error(ITER8_ERR_INTERNAL, "host sent invalid secret JSON");
    return doc;
  }

  // Renders a Go text/template against `data` (a JSON object), as `options` say (ABI 1.1's
  // interpolate_with; the defaults are Go's: `{{ }}`, a missing key prints "<no value>").
  std::string interpolate(const std::string& text, const rapidjson::Value& data,
                          const InterpolateOptions& options = {}) const {
    require(ITER8_HOST_HAS(services_, interpolate_with), "interpolate_with", "1.1");
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    data.Accept(writer);
    std::vector<const char*> callables;
    for (const auto& name : options.callables) callables.push_back(name.c_str());
    iter8_interpolate_options raw{};
    raw.struct_size = sizeof raw;
    raw.missing_key = options.missingKey;
    raw.field_names = options.fieldNames;
    raw.callable_count = static_cast<uint32_t>(callables.size());
    raw.left_delim = options.leftDelim.c_str();
    raw.right_delim = options.rightDelim.c_str();
    raw.callables = callables.empty() ? nullptr : callables.data();
    return call([&](char* e, size_t n, std::string* out) {
      return services_->interpolate_with(services_->host, text.c_str(), buffer.GetString(), &raw,
                                         internal::appendToString, out, e, n);
    });
  }

  bool cancelled() const { return services_->is_cancelled(services_->host) != 0; }

  // Why the host asked the task to stop (ABI 1.2): ITER8_CANCEL_NONE while it has not, else a
  // stop signal to the handler or the task's time limit (see cancelReasonText).
  iter8_cancel_reason cancelReason() const {
    require(ITER8_HOST_HAS(services_, cancel_reason), "cancel_reason", "1.2");
    return services_->cancel_reason(services_->host);
  }

  // Sleeps until the host is asked to stop (true) or `timeout` passes (false) (ABI 1.1).
  bool waitCancelled(std::chrono::milliseconds timeout) const {
    require(ITER8_HOST_HAS(services_, wait_cancelled), "wait_cancelled", "1.1");
    const long long ms = std::clamp<long long>(timeout.count(), 0, UINT32_MAX);
    return services_->wait_cancelled(services_->host, static_cast<uint32_t>(ms)) != 0;
  }

  // The handler's version, e.g. "0.1.0" (ABI 1.1).
  std::string handlerVersion() const {
    require(ITER8_HOST_HAS(services_, handler_version), "handler_version", "1.1");
    const char* version = services_->handler_version(services_->host);
    return version != nullptr ? version : "";
  }

  const iter8_host_services* raw() const { return services_; }

 private:
  // A plugin built against 1.x is only loaded by hosts of 1.x or later, so this fails only when
  // a host breaks the contract (or a plugin lowered its abi_minor on purpose); the message says
  // which service was missing and which ABI added it.
  static void require(bool present, const char* service, const char* since) {
    if (!present) {
      throw Error(ITER8_ERR_UNAVAILABLE,
                  std::string("the handler does not provide the host service '") + service +
                      "' (plugin ABI " + since + ")");
    }
  }

  template <class F>
  static std::string call(F&& f) {
    std::string out;
    char error[ITER8_ERROR_BUFFER_SIZE] = {0};
    iter8_status status = f(error, sizeof error, &out);
    if (status != ITER8_OK) throw Error(status, error);
    return out;
  }

  const iter8_host_services* services_;
};

}  // namespace iter8::sdk
