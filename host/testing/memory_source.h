// The experiment of a test host: held in memory, with the secrets the test gave, and every
// status patch recorded as it was sent.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "host/source/experiment_source.h"

namespace iter8::testing {

class MemorySource : public ExperimentSource {
 public:
  MemorySource();

  // Replaces the experiment (a JSON object). Throws SourceError when it is not an object.
  void setExperiment(const rapidjson::Value& experiment);
  // `ref` is "name" (in the experiment's namespace) or "namespace/name".
  void addSecret(const std::string& ref, SecretData data);

  const std::vector<std::string>& patches() const { return patches_; }
  void clearPatches() { patches_.clear(); }
  // The experiment's status ({} when it has none).
  const rapidjson::Value& status() const;

  std::string describe() const override { return "the test host's experiment"; }
  std::string experimentNamespace() const override;
  rapidjson::Document read() override;
  void updateStatus(const rapidjson::Value& statusPatch) override;
  SecretData getSecret(const std::string& ns, const std::string& name) override;

 private:
  rapidjson::Document experiment_;
  std::map<std::string, SecretData> secrets_;  // "namespace/name" -> data
  std::vector<std::string> patches_;
};

}  // namespace iter8::testing
