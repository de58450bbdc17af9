#include "host/termination_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <mutex>

#include "host/log.h"

namespace iter8 {

void TerminationLog::append(const std::string& message) {
  if (path_.empty()) return;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  // Kubernetes keeps at most 4096 bytes of this file; keep the start, where the reason is.
  std::string line = redact(message).substr(0, 4000) + "\n";
  int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create_ ? O_CREAT : 0);
  int fd = ::open(path_.c_str(), flags, 0644);
  if (fd < 0) {
    logger().debug("termination log {} cannot be opened; message not written there", path_);
    return;
  }
  ssize_t written = ::write(fd, line.data(), line.size());
  if (written != static_cast<ssize_t>(line.size())) {
    logger().debug("termination log {}: short write", path_);
  }
  ::close(fd);
}

}  // namespace iter8
