// The experiment as a local YAML or JSON file: the embedded default, no cluster needed.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "host/source/experiment_source.h"

namespace iter8 {

struct LocalSourceOptions {
  std::filesystem::path file;        // the experiment
  std::filesystem::path output;      // where status updates go; empty: back into `file`
  std::filesystem::path secretsDir;  // Secret manifests (data base64 or stringData); optional
  bool dryRun = false;               // write nothing, not even the first copy to `output`
};

class LocalExperimentSource : public ExperimentSource {
 public:
  // Reads and checks the experiment file once. With --output, writes the experiment there at
  // once (not in a dry run), so the output exists even when the action changes nothing.
  // Throws SourceError.
  explicit LocalExperimentSource(LocalSourceOptions options);

  std::string describe() const override;
  std::string experimentNamespace() const override;
  rapidjson::Document read() override;
  // Under a lock on the target's folder: re-reads the current file, merges the patch into
  // `status`, and replaces the file atomically (docs/robustness.md): a reader never sees half a
  // file and concurrent handlers lose no update. YAML text outside `status` is kept as written.
  void updateStatus(const rapidjson::Value& statusPatch) override;
  SecretData getSecret(const std::string& ns, const std::string& name) override;

 private:
  const std::filesystem::path& currentFile() const;
  // The text of the current file: read afresh, or the piped input kept from the first read.
  std::string currentText() const;
  // Writes `doc` to the target (--output, else the input file); `original` is the text it was
  // read from, whose layout outside `status` is kept. Call with the folder lock held.
  void write(const rapidjson::Document& doc, const std::string& original);
  std::string textToWrite(const rapidjson::Document& doc, const std::string& original) const;

  LocalSourceOptions options_;
  // Once written, --output holds the newest status. In memory shared with forked task
  // processes: a status written by a task's process must redirect the handler's later reads.
  std::shared_ptr<std::atomic<bool>> wroteOutput_;
  bool json_ = false;         // the input was JSON: write JSON back
  bool inputIsPipe_ = false;  // `-f <(...)`: read once, kept in pipedText_
  std::string pipedText_;
  std::string namespace_ = "default";
  std::mutex mutex_;
};

}  // namespace iter8
