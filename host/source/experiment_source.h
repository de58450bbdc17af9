// Where the experiment lives: a local file or the Kubernetes API. Plugins never know which;
// the host services call through this interface.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include <rapidjson/document.h>

namespace iter8 {

// A failure of the source, with a message fit for an operator (never containing a secret).
class SourceError : public std::runtime_error {
 public:
  enum class Kind { kFailed, kNotFound };
  SourceError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  explicit SourceError(const std::string& message) : SourceError(Kind::kFailed, message) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

using SecretData = std::map<std::string, std::string>;

class ExperimentSource {
 public:
  virtual ~ExperimentSource() = default;

  // For messages: "file exp.yaml" or "experiment default/my-exp".
  virtual std::string describe() const = 0;

  // The namespace of the experiment (secret references without one resolve here).
  virtual std::string experimentNamespace() const = 0;

  // Reads the whole experiment resource afresh. Throws SourceError.
  virtual rapidjson::Document read() = 0;

  // Applies `statusPatch` to the experiment's `status` as an RFC 7386 merge patch and
  // persists it before returning; fields not in the patch keep their current (possibly
  // concurrently written) values. Throws SourceError.
  virtual void updateStatus(const rapidjson::Value& statusPatch) = 0;

  // The decoded data of secret `ns/name`. Throws SourceError (kNotFound when absent).
  virtual SecretData getSecret(const std::string& ns, const std::string& name) = 0;
};

}  // namespace iter8
