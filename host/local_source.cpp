#include "host/local_source.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "host/log.h"
#include "host/yaml.h"
#include "lib/base64.h"
#include "lib/json.h"

namespace iter8 {
namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw SourceError("cannot read experiment file " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool looksLikeJson(const std::string& text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '{';
}

void writeAtomically(const std::filesystem::path& target, const std::string& text) {
  std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  std::string pattern = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    throw SourceError("cannot write " + target.string() + ": cannot create a temporary file in " +
                      dir.string() + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(pattern.c_str());
      throw SourceError("cannot write " + target.string() + ": " + std::strerror(saved));
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, 0644);
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(pattern.c_str(), target.c_str()) != 0) {
    int saved = errno;
    ::unlink(pattern.c_str());
    throw SourceError("cannot replace " + target.string() + ": " + std::strerror(saved));
  }
}

// A flag in an anonymous shared mapping: a forked child's store is seen by the parent.
std::shared_ptr<std::atomic<bool>> makeSharedFlag() {
  void* memory = ::mmap(nullptr, sizeof(std::atomic<bool>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED)
    throw SourceError(std::string("cannot map memory: ") + std::strerror(errno));
  return std::shared_ptr<std::atomic<bool>>(
      new (memory) std::atomic<bool>(false),
      [](std::atomic<bool>* flag) { ::munmap(flag, sizeof(std::atomic<bool>)); });
}

rapidjson::Document parseExperiment(const std::string& text, const std::filesystem::path& path) {
  rapidjson::Document doc;
  try {
    doc = looksLikeJson(text) ? parseJson(text) : parseYaml(text);
  } catch (const std::exception& e) {
    throw SourceError("experiment file " + path.string() + ": " + e.what());
  }
  if (!doc.IsObject()) {
    throw SourceError("experiment file " + path.string() + " does not hold an object (found " +
                      jsonTypeWithArticle(doc) + ")");
  }
  return doc;
}

}  // namespace

LocalExperimentSource::LocalExperimentSource(LocalSourceOptions options)
    : options_(std::move(options)), wroteOutput_(makeSharedFlag()) {
  std::string text = readFile(options_.file);
  json_ = looksLikeJson(text);
  rapidjson::Document doc = parseExperiment(text, options_.file);
  const rapidjson::Value* metadata = findMember(doc, "metadata");
  const rapidjson::Value* ns = metadata ? findMember(*metadata, "namespace") : nullptr;
  if (ns != nullptr && ns->IsString() && ns->GetStringLength() > 0) namespace_ = ns->GetString();
}

const std::filesystem::path& LocalExperimentSource::currentFile() const {
  return wroteOutput_->load() ? options_.output : options_.file;
}

std::string LocalExperimentSource::describe() const {
  return "file " + options_.file.string();
}

std::string LocalExperimentSource::experimentNamespace() const {
  return namespace_;
}

rapidjson::Document LocalExperimentSource::read() {
  std::lock_guard<std::mutex> lock(mutex_);
  return parseExperiment(readFile(currentFile()), currentFile());
}

void LocalExperimentSource::updateStatus(const rapidjson::Value& statusPatch) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!statusPatch.IsObject()) throw SourceError("a status update must be a JSON object");
  rapidjson::Document doc = parseExperiment(readFile(currentFile()), currentFile());
  auto status = doc.FindMember("status");
  if (status == doc.MemberEnd()) {
    doc.AddMember("status", rapidjson::Value(rapidjson::kObjectType), doc.GetAllocator());
    status = doc.FindMember("status");
  }
  applyMergePatch(status->value, statusPatch, doc.GetAllocator());
  const std::filesystem::path& target = options_.output.empty() ? options_.file : options_.output;
  writeAtomically(target, json_ ? toPrettyJson(doc) + "\n" : toYaml(doc));
  if (!options_.output.empty()) wroteOutput_->store(true);
  logger().info("status of {} written to {}", describe(), target.string());
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
  for (const auto& file : files) {
    rapidjson::Document doc;
    try {
      doc = parseYaml(readFile(file));
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
    if (!docName || !docName->IsString() || name != docName->GetString() || ns != manifestNs)
      continue;

    SecretData data;
    if (const rapidjson::Value* encoded = findMember(doc, "data"); encoded && encoded->IsObject()) {
      for (const auto& item : encoded->GetObject()) {
        auto decoded = item.value.IsString() ? decodeBase64(item.value.GetString()) : std::nullopt;
        if (!decoded) {
          throw SourceError("secret '" + ref + "' in " + file.string() + ": data key '" +
                            item.name.GetString() + "' is not base64");
        }
        data[item.name.GetString()] = *decoded;
      }
    }
    // stringData wins over data, as the API server merges it on write.
    if (const rapidjson::Value* plain = findMember(doc, "stringData"); plain && plain->IsObject()) {
      for (const auto& item : plain->GetObject()) {
        if (item.value.IsString()) data[item.name.GetString()] = item.value.GetString();
      }
    }
    for (const auto& entry : data) registerSecret(entry.second);
    return data;
  }
  throw SourceError(SourceError::Kind::kNotFound,
                    "secret '" + ref + "' not found in " + options_.secretsDir.string());
}

}  // namespace iter8
