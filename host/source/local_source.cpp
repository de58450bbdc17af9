#include "host/source/local_source.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "host/log.h"
#include "host/source/experiment_file.h"
#include "host/source/json_splice.h"
#include "host/source/secret_data.h"
#include "host/source/status_file.h"
#include "lib/json.h"
#include "lib/suggest.h"
#include "lib/yaml.h"

namespace iter8 {
namespace {

std::string readFile(const std::filesystem::path& path,
                     const std::string& what = "experiment file") {
  return readExperimentFile(path, what).text;
}

// A flag in an anonymous shared mapping: a forked task process's store is seen by the handler.
std::shared_ptr<std::atomic<bool>> makeSharedFlag() {
  void* memory = ::mmap(nullptr, sizeof(std::atomic<bool>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED)
    throw SourceError(std::string("cannot map memory: ") + std::strerror(errno));
  return std::shared_ptr<std::atomic<bool>>(
      new (memory) std::atomic<bool>(false),
      [](std::atomic<bool>* flag) { ::munmap(flag, sizeof(std::atomic<bool>)); });
}

bool sameFile(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec);
}

// A secret not in --secrets-dir: name the closest one and list what is there (names only;
// a secret's name is not its value).
SourceError secretNotFound(const std::string& ref, const std::filesystem::path& dir,
                           std::vector<std::string> known) {
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  return SourceError(SourceError::Kind::kNotFound,
                     "secret '" + ref + "' not found in " + dir.string() + didYouMean(ref, known) +
                         "; it holds: " + (known.empty() ? "no Secret manifest" : list));
}

}  // namespace

LocalExperimentSource::LocalExperimentSource(LocalSourceOptions options)
    : options_(std::move(options)), wroteOutput_(makeSharedFlag()) {
  ExperimentFileText input = readExperimentFile(options_.file);
  json_ = looksLikeJson(input.text);
  inputIsPipe_ = !input.regular;
  rapidjson::Document doc = parseExperimentText(input.text, options_.file);
  const rapidjson::Value* metadata = findMember(doc, "metadata");
  const rapidjson::Value* ns = metadata ? findMember(*metadata, "namespace") : nullptr;
  if (ns != nullptr && ns->IsString() && ns->GetStringLength() > 0) namespace_ = ns->GetString();
  if (inputIsPipe_) pipedText_ = std::move(input.text);

  // --output is written now, so it exists however the action ends (a later `-f` of it works
  // even when the action writes no status). Not when it is the input itself.
  if (!options_.dryRun && !options_.output.empty() &&
      (inputIsPipe_ || !sameFile(options_.output, options_.file))) {
    std::filesystem::path target = resolveWriteTarget(options_.output);
    checkWritable(target, options_.output.string());
    FolderLock lock(target, options_.output.string());
    write(doc, inputIsPipe_ ? pipedText_ : input.text);
  }
}

const std::filesystem::path& LocalExperimentSource::currentFile() const {
  return wroteOutput_->load() ? options_.output : options_.file;
}

std::string LocalExperimentSource::currentText() const {
  if (!wroteOutput_->load() && inputIsPipe_) return pipedText_;
  return readFile(currentFile());
}

std::string LocalExperimentSource::describe() const {
  return "file " + options_.file.string();
}

std::string LocalExperimentSource::experimentNamespace() const {
  return namespace_;
}

rapidjson::Document LocalExperimentSource::read() {
  std::lock_guard<std::mutex> lock(mutex_);
  return parseExperimentText(currentText(), currentFile());
}

// Keeps every byte outside `status` (comments, layout, key order, numbers RapidJSON would
// round) when the edited text reads back as exactly the document to write; otherwise (a layout
// the splice cannot edit) emits the document whole. The read-back costs one parse a write; it
// is what makes "every byte kept" a guarantee rather than a hope about the splicers.
std::string LocalExperimentSource::textToWrite(const rapidjson::Document& doc,
                                               const std::string& original) const {
  const rapidjson::Value* status = findMember(doc, "status");
  // No status (the first copy to --output): the original text is the document as it is.
  std::string text = status == nullptr ? original
                     : json_           ? spliceJsonStatus(original, *status)
                                       : spliceYamlStatus(original, *status);
  if (!text.empty()) {
    try {
      if ((json_ ? parseJson(text) : parseYaml(text)) == doc) return text;
    } catch (const std::exception&) {
      // not kept: emitted whole below
    }
  }
  return json_ ? toPrettyJson(doc) + "\n" : toYaml(doc);
}

void LocalExperimentSource::write(const rapidjson::Document& doc, const std::string& original) {
  const std::filesystem::path& shown = options_.output.empty() ? options_.file : options_.output;
  std::filesystem::path target = resolveWriteTarget(shown);
  replaceFile(target, textToWrite(doc, original), shown.string());
  if (!options_.output.empty()) wroteOutput_->store(true);
  logger().info("status of {} written to {}", describe(), shown.string());
}

void LocalExperimentSource::updateStatus(const rapidjson::Value& statusPatch) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!statusPatch.IsObject()) throw SourceError("a status update must be a JSON object");
  if (options_.output.empty() && inputIsPipe_) {
    throw SourceError("cannot write the status back to " + options_.file.string() +
                      ": it is a pipe, read once; give --output FILE to keep the status");
  }
  const std::filesystem::path& shown = options_.output.empty() ? options_.file : options_.output;
  std::filesystem::path target = resolveWriteTarget(shown);
  checkWritable(target, shown.string());
  // Read, patch and write under the folder lock: another handler's update in between is
  // re-read here, not overwritten.
  FolderLock folderLock(target, shown.string());
  std::string original = currentText();
  rapidjson::Document doc = parseExperimentText(original, currentFile());
  auto status = doc.FindMember("status");
  if (status == doc.MemberEnd()) {
    doc.AddMember("status", rapidjson::Value(rapidjson::kObjectType), doc.GetAllocator());
    status = doc.FindMember("status");
  } else if (!status->value.IsObject()) {
    status->value.SetObject();  // a hand-written `status: ""` is replaced, as the API server would
  }
  applyMergePatch(status->value, statusPatch, doc.GetAllocator());
  write(doc, original);
}

SecretData LocalExperimentSource::getSecret(const std::string& ns, const std::string& name) {
  std::string ref = ns + "/" + name;
  if (options_.secretsDir.empty()) {
    throw SourceError(SourceError::Kind::kNotFound,
                      "secret '" + ref + "' not found: no --secrets-dir was given");
  }
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(options_.secretsDir, ec)) {
    auto ext = entry.path().extension();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(entry.path());
  }
  if (ec) {
    throw SourceError("cannot read secrets folder " + options_.secretsDir.string() + ": " +
                      ec.message());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> known;  // namespace/name of every Secret manifest, for the message
  for (const auto& file : files) {
    rapidjson::Document doc;
    try {
      doc = parseYaml(readFile(file, "secret manifest"));
    } catch (const std::exception& e) {
      // The message of a YAML error quotes no content, so it is safe to log.
      logger().warn("secret manifest {} skipped: {}", file.string(), e.what());
      continue;
    }
    const rapidjson::Value* kind = findMember(doc, "kind");
    const rapidjson::Value* metadata = findMember(doc, "metadata");
    if (!kind || !kind->IsString() || std::string(kind->GetString()) != "Secret" || !metadata)
      continue;
    const rapidjson::Value* docName = findMember(*metadata, "name");
    const rapidjson::Value* docNs = findMember(*metadata, "namespace");
    std::string manifestNs = docNs && docNs->IsString() ? docNs->GetString() : namespace_;
    if (!docName || !docName->IsString()) continue;
    known.push_back(manifestNs + "/" + docName->GetString());
    if (name != docName->GetString() || ns != manifestNs) continue;

    try {
      return decodeSecret(doc);
    } catch (const SecretFormatError& e) {
      throw SourceError("secret '" + ref + "' in " + file.string() + ": " + e.what());
    }
  }
  throw secretNotFound(ref, options_.secretsDir, std::move(known));
}

}  // namespace iter8
