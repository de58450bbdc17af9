#include "host/source/experiment_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include "host/source/experiment_source.h"
#include "lib/json.h"
#include "lib/text.h"
#include "lib/yaml.h"

namespace iter8 {
namespace {

const char* fileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string limitText(size_t bytes) {
  return std::to_string(bytes / (1024 * 1024)) + " MiB";
}

// Strings and keys over the limit (JSON input; YAML checks them while converting). Iterative,
// so the check itself has no recursion depth.
void checkStringLengths(const rapidjson::Value& root, const std::filesystem::path& path) {
  std::vector<const rapidjson::Value*> pending{&root};
  while (!pending.empty()) {
    const rapidjson::Value* value = pending.back();
    pending.pop_back();
    auto check = [&](const rapidjson::Value& text) {
      if (text.GetStringLength() > kYamlMaxScalarBytes) {
        throw SourceError("experiment file " + path.string() + ": a string is " +
                          std::to_string(text.GetStringLength()) + " bytes; the limit is " +
                          std::to_string(kYamlMaxScalarBytes) + " bytes per string");
      }
    };
    if (value->IsString()) {
      check(*value);
    } else if (value->IsArray()) {
      for (const auto& item : value->GetArray()) pending.push_back(&item);
    } else if (value->IsObject()) {
      for (const auto& member : value->GetObject()) {
        check(member.name);
        pending.push_back(&member.value);
      }
    }
  }
}

void checkShape(const rapidjson::Document& doc, const std::filesystem::path& path) {
  std::string where = "experiment file " + path.string();
  if (!doc.IsObject()) {
    throw SourceError(where + " holds " + jsonTypeWithArticle(doc) +
                      "; expected an Iter8 Experiment (an object with spec)");
  }
  auto expect = [&](const char* field, const char* wanted) {
    const rapidjson::Value* value = findMember(doc, field);
    if (value == nullptr) return;
    if (!value->IsString()) {
      throw SourceError(where + ": '" + field + "' is " + jsonTypeWithArticle(*value) +
                        "; expected " + field + ": " + wanted);
    }
    std::string_view actual(value->GetString(), value->GetStringLength());
    if (actual != wanted) {
      throw SourceError(where + " is not an Iter8 Experiment: " + field + " is '" +
                        shortenName(actual) + "'; expected " + field + ": " + wanted);
    }
  };
  expect("kind", kExperimentKind);
  expect("apiVersion", kExperimentApiVersion);
  const rapidjson::Value* spec = findMember(doc, "spec");
  if (spec != nullptr && !spec->IsObject()) {
    throw SourceError(where + ": 'spec' is " + jsonTypeWithArticle(*spec) +
                      "; expected an object with strategy.actions");
  }
}

}  // namespace

ExperimentFileText readExperimentFile(const std::filesystem::path& path, const std::string& what) {
  std::string where = what + " " + path.string();
  // Non-blocking, so opening a FIFO nobody writes to does not wait for a writer.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) throw SourceError("cannot read " + where + ": " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    throw SourceError("cannot read " + where + ": " + std::strerror(errno));
  }
  ExperimentFileText result;
  if (S_ISFIFO(info.st_mode)) {
    // A pipe: read it once, blocking while a writer still has it open (read returns 0 at
    // once when none has).
    result.regular = false;
    int flags = ::fcntl(fd.get(), F_GETFL);
    ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  } else if (!S_ISREG(info.st_mode)) {
    throw SourceError(where + " is " + fileTypeName(info.st_mode) +
                      "; expected a regular file (or a pipe)");
  } else if (static_cast<size_t>(info.st_size) > kMaxExperimentFileBytes) {
    throw SourceError(where + " is " + std::to_string(info.st_size) + " bytes; the limit is " +
                      limitText(kMaxExperimentFileBytes));
  }
  std::vector<char> buffer(64 * 1024);
  while (true) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SourceError("cannot read " + where + ": " + std::strerror(errno));
    if (n == 0) break;
    result.text.append(buffer.data(), static_cast<size_t>(n));
    if (result.text.size() > kMaxExperimentFileBytes) {
      throw SourceError(where + " is larger than the limit of " +
                        limitText(kMaxExperimentFileBytes));
    }
  }
  return result;
}

bool looksLikeJson(const std::string& text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '{';
}

rapidjson::Document parseExperimentText(const std::string& text,
                                        const std::filesystem::path& path) {
  std::string where = "experiment file " + path.string();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw SourceError(where + " is empty; expected an Iter8 Experiment");
  }
  if (auto offset = firstInvalidUtf8(text)) {
    throw SourceError(where + " is not valid UTF-8: invalid byte at offset " +
                      std::to_string(*offset));
  }
  rapidjson::Document doc;
  try {
    doc = looksLikeJson(text) ? parseJson(text) : parseYaml(text);
  } catch (const std::bad_alloc&) {
    throw;  // not a fault of the file: main() reports it as out of memory
  } catch (const std::exception& e) {
    throw SourceError(where + ": " + e.what());
  }
  checkShape(doc, path);
  checkStringLengths(doc, path);
  return doc;
}

}  // namespace iter8
