// The experiment as a local YAML or JSON file: the embedded default, no cluster needed.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "host/experiment_source.h"

namespace iter8 {

struct LocalSourceOptions {
  std::filesystem::path file;        // the experiment
  std::filesystem::path output;      // where status updates go; empty: back into `file`
  std::filesystem::path secretsDir;  // Secret manifests (data base64 or stringData); optional
};

class LocalExperimentSource : public ExperimentSource {
 public:
  explicit LocalExperimentSource(LocalSourceOptions options);

  std::string describe() const override;
  std::string experimentNamespace() const override;
  rapidjson::Document read() override;
  // Reads the current file, merges the patch into `status`, and replaces the file atomically
  // (temporary file in the same folder, fsync, rename): a reader never sees half a file.
  void updateStatus(const rapidjson::Value& statusPatch) override;
  SecretData getSecret(const std::string& ns, const std::string& name) override;

 private:
  const std::filesystem::path& currentFile() const;

  LocalSourceOptions options_;
  // Once written, --output holds the newest status. In memory shared with forked task
  // processes: a status written by a task's process must redirect the handler's later reads.
  std::shared_ptr<std::atomic<bool>> wroteOutput_;
  bool json_ = false;  // the input was JSON: write JSON back
  std::string namespace_ = "default";
  std::mutex mutex_;
};

}  // namespace iter8
