#include "lib/locked_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace iter8 {

namespace fs = std::filesystem;

LockedTempFolder::LockedTempFolder(const std::string& base, const std::string& prefix) {
  std::string pattern = base + "/" + prefix + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a folder in " + base + ": " + std::strerror(errno));
  }
  path_ = pattern;
  // Locked under a temporary name, then renamed: a sweeper never finds the lock file unlocked,
  // so it never takes a folder whose owner is between mkdtemp and its lock.
  const std::string pending = path_ + "/" + kLockName + ".new";
  lockFd_ = ::open(pending.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lockFd_ < 0 || ::flock(lockFd_, LOCK_EX | LOCK_NB) != 0 ||
      ::rename(pending.c_str(), (path_ + "/" + kLockName).c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    remove();
    throw std::runtime_error("cannot lock the folder " + pattern + ": " + reason);
  }
}

LockedTempFolder::~LockedTempFolder() {
  remove();
}

void LockedTempFolder::remove() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (lockFd_ >= 0) ::close(lockFd_);  // after the removal: never an unlocked folder of ours
  lockFd_ = -1;
}

std::vector<std::string> removeAbandonedFolders(const std::string& base,
                                                const std::string& prefix) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
        info.st_uid != ::geteuid()) {
      continue;
    }
    const std::string lock = entry.path().string() + "/" + LockedTempFolder::kLockName;
    const int fd = ::open(lock.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    // Taken: its owner is gone. Held while removing, so that a second sweeper skips the folder.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      std::error_code removeError;
      fs::remove_all(entry.path(), removeError);
      if (!removeError) removed.push_back(entry.path().string());
    }
    ::close(fd);
  }
  return removed;
}

}  // namespace iter8
