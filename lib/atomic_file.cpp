#include "lib/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace iter8 {
namespace {

std::filesystem::path folderOf(const std::filesystem::path& target) {
  return target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
}

// Temporary files of this target start with this prefix, so a later write can find the ones a
// killed writer left behind.
std::string tempPrefix(const std::filesystem::path& target) {
  return "." + target.filename().string() + ".iter8-tmp.";
}

void removeStaleTemporaries(const std::filesystem::path& target) {
  std::string prefix = tempPrefix(target);
  DIR* dir = ::opendir(folderOf(target).c_str());
  if (dir == nullptr) return;
  while (struct dirent* entry = ::readdir(dir)) {
    if (std::strncmp(entry->d_name, prefix.c_str(), prefix.size()) == 0) {
      ::unlinkat(::dirfd(dir), entry->d_name, 0);  // the caller keeps other writers out
    }
  }
  ::closedir(dir);
}

// An open temporary file that is removed unless it was renamed over the target.
class Temporary {
 public:
  explicit Temporary(const std::filesystem::path& target) {
    static std::atomic<unsigned> counter{0};
    path_ = folderOf(target) /
            (tempPrefix(target) + std::to_string(::getpid()) + "." + std::to_string(counter++));
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) {
      int saved = errno;
      throw AtomicWriteError(AtomicWriteStep::CreateTemporary, saved,
                             "cannot create a temporary file in " + folderOf(target).string() +
                                 ": " + std::strerror(saved));
    }
  }
  ~Temporary() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) ::unlink(path_.c_str());
  }
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;

  int fd() const { return fd_; }

  // Throws AtomicWriteError for `step`, worded "`what`: reason".
  [[noreturn]] void fail(AtomicWriteStep step, const std::string& what) const {
    int saved = errno;
    throw AtomicWriteError(step, saved, what + ": " + std::strerror(saved));
  }

  void writeAll(const std::string& text) const {
    for (size_t done = 0; done < text.size();) {
      ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail(AtomicWriteStep::Write, "write failed");
      done += static_cast<size_t>(n);
    }
  }

  void closeAndRename(const std::filesystem::path& target) {
    ::close(fd_);
    fd_ = -1;
    if (::rename(path_.c_str(), target.c_str()) != 0)
      fail(AtomicWriteStep::Rename, "rename failed");
    renamed_ = true;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool renamed_ = false;
};

void setMode(const Temporary& temp, const std::filesystem::path& target,
             const AtomicWriteOptions& options) {
  if (options.mode) {
    if (::fchmod(temp.fd(), *options.mode) != 0)
      temp.fail(AtomicWriteStep::KeepMode, "cannot set the mode");
    return;
  }
  struct stat existing {};
  if (::stat(target.c_str(), &existing) != 0) return;  // a new file: 0666 & ~umask
  if (::geteuid() == 0 && ::fchown(temp.fd(), existing.st_uid, existing.st_gid) != 0) {
    temp.fail(AtomicWriteStep::KeepOwner, "cannot keep the owner");
  }
  if (::fchmod(temp.fd(), existing.st_mode & 07777) != 0) {
    temp.fail(AtomicWriteStep::KeepMode, "cannot keep the mode");
  }
}

}  // namespace

void writeFileAtomically(const std::filesystem::path& target, const std::string& text,
                         const AtomicWriteOptions& options) {
  if (options.removeStaleTemporaries) removeStaleTemporaries(target);
  Temporary temp(target);
  setMode(temp, target, options);
  temp.writeAll(text);
  if (::fsync(temp.fd()) != 0) temp.fail(AtomicWriteStep::Sync, "fsync failed");
  temp.closeAndRename(target);
  // Make the rename itself durable.
  int dir = ::open(folderOf(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace iter8
