// Private temporary folders that outlive their owner only as long as nobody sweeps: the owner
// holds a lock (flock on a lock file inside) for the folder's whole life, so a folder whose lock
// can be taken belongs to a process that is gone (killed with SIGKILL, by the OOM killer, with
// its machine) and may be removed. A lock file rather than a pid in the name: pids are reused,
// and the kernel drops a dead process's locks whatever killed it.
#pragma once

#include <string>
#include <vector>

namespace iter8 {

class LockedTempFolder {
 public:
  // The lock file's name inside every such folder.
  static constexpr const char* kLockName = ".owner.lock";

  // Makes `base/<prefix>XXXXXX` (mkdtemp: mode 0700) and locks it. Throws std::runtime_error
  // naming the folder or base and the system's reason.
  LockedTempFolder(const std::string& base, const std::string& prefix);
  // Removes the folder with everything in it, then releases the lock.
  ~LockedTempFolder();
  LockedTempFolder(const LockedTempFolder&) = delete;
  LockedTempFolder& operator=(const LockedTempFolder&) = delete;

  const std::string& path() const { return path_; }

 private:
  void remove();

  std::string path_;
  int lockFd_ = -1;
};

// Removes the folders `base/<prefix>*` whose owner is gone: real folders (not links) of this
// user, with a lock file nobody holds. A folder without a lock file is left alone (another
// program's, or one whose owner has not taken its lock yet). Returns the removed paths.
std::vector<std::string> removeAbandonedFolders(const std::string& base, const std::string& prefix);

}  // namespace iter8
