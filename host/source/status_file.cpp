#include "host/source/status_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "host/source/experiment_source.h"
#include "lib/atomic_file.h"
#include "lib/yaml.h"

namespace iter8 {
namespace {

std::string errnoText() {
  return std::strerror(errno);
}

std::filesystem::path folderOf(const std::filesystem::path& target) {
  return target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
}

bool isTopLevelLine(const std::string& line) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '\r') return false;
  // A block sequence may sit at the key's own indentation: "status:\n- a" continues the key.
  if (line[0] == '-' && line.rfind("---", 0) != 0 && (line.size() == 1 || line[1] == ' '))
    return false;
  return true;
}

bool isStatusKeyLine(const std::string& line) {
  for (const char* key : {"status:", "\"status\":", "'status':"}) {
    size_t n = std::strlen(key);
    if (line.compare(0, n, key) == 0 &&
        (line.size() == n || line[n] == ' ' || line[n] == '\t' || line[n] == '\r'))
      return true;
  }
  return false;
}

}  // namespace

std::filesystem::path resolveWriteTarget(const std::filesystem::path& path) {
  std::filesystem::path current = path;
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!std::filesystem::is_symlink(current, ec)) return current;
    std::filesystem::path next = std::filesystem::read_symlink(current, ec);
    if (ec) throw SourceError("cannot follow symlink " + current.string() + ": " + ec.message());
    current = next.is_absolute() ? next : folderOf(current) / next;
  }
  throw SourceError("cannot write " + path.string() + ": too many levels of symlinks");
}

void checkWritable(const std::filesystem::path& target, const std::string& shownAs) {
  struct stat info {};
  if (::stat(target.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    throw SourceError("cannot write " + shownAs + ": " + errnoText());
  }
  if (!S_ISREG(info.st_mode)) {
    const char* what = S_ISDIR(info.st_mode)    ? "a directory"
                       : S_ISCHR(info.st_mode)  ? "a character device"
                       : S_ISBLK(info.st_mode)  ? "a block device"
                       : S_ISFIFO(info.st_mode) ? "a FIFO"
                                                : "not a regular file";
    throw SourceError("cannot write " + shownAs + ": it is " + std::string(what) +
                      "; expected a regular file");
  }
  if ((info.st_mode & 0222) == 0 || ::access(target.c_str(), W_OK) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    throw SourceError("cannot write " + shownAs + ": it is read-only (mode " + mode +
                      "); the handler does not replace a file its owner protected");
  }
}

FolderLock::FolderLock(const std::filesystem::path& target, const std::string& shownAs) {
  std::filesystem::path folder = folderOf(target);
  fd_ = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    throw SourceError("cannot write " + shownAs + ": cannot open its folder " + folder.string() +
                      ": " + errnoText());
  }
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int saved = errno;
    ::close(fd_);
    throw SourceError("cannot write " + shownAs + ": cannot lock its folder " + folder.string() +
                      ": " + std::strerror(saved));
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

void replaceFile(const std::filesystem::path& target, const std::string& text,
                 const std::string& shownAs) {
  AtomicWriteOptions options;
  options.removeStaleTemporaries = true;  // we hold the folder lock: nobody else uses them
  try {
    writeFileAtomically(target, text, options);
  } catch (const AtomicWriteError& e) {
    if (e.step() == AtomicWriteStep::Rename) {
      throw SourceError("cannot replace " + shownAs + ": " + std::strerror(e.error()));
    }
    throw SourceError("cannot write " + shownAs + ": " + e.what());
  }
}

std::string spliceYamlStatus(const std::string& original, const rapidjson::Value& status) {
  rapidjson::Document wrapper(rapidjson::kObjectType);
  rapidjson::Value copy(status, wrapper.GetAllocator());
  wrapper.AddMember("status", copy, wrapper.GetAllocator());
  std::string block = toYaml(wrapper);

  // Find the one top-level `status:` line; its block runs to the end of its last non-blank
  // line before the next top-level line (a key, a column-0 comment, a document marker).
  size_t blockStart = std::string::npos, blockEnd = std::string::npos;
  bool inBlock = false;
  for (size_t pos = 0; pos < original.size();) {
    size_t eol = original.find('\n', pos);
    size_t next = eol == std::string::npos ? original.size() : eol + 1;
    std::string line = original.substr(pos, next - pos);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
    if (!blank && isTopLevelLine(line)) {
      inBlock = false;
      if (isStatusKeyLine(line)) {
        if (blockStart != std::string::npos) return "";  // two status keys: use the emitter
        blockStart = pos;
        blockEnd = next;
        inBlock = true;
      }
    } else if (inBlock && !blank) {
      blockEnd = next;
    }
    pos = next;
  }
  if (blockStart == std::string::npos) {
    std::string text = original;
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text + block;
  }
  return original.substr(0, blockStart) + block + original.substr(blockEnd);
}

}  // namespace iter8
