#include "host/runner/termination_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "host/log.h"
#include "lib/text.h"

namespace iter8 {
namespace {

// Kubernetes keeps at most 4096 bytes of this file; one line stays well inside that.
constexpr size_t kMaxLineBytes = 4000;
// A word longer than this (a name, a path) is shortened when the line would be too long.
constexpr size_t kMaxWordBytes = 200;

// Shortens every overlong space-free run of `line`, so that a huge name early in the line
// cannot push the reason after it out of the kept bytes.
std::string shortenLongWords(const std::string& line) {
  std::string out;
  size_t start = 0;
  while (start <= line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string::npos) end = line.size();
    out += shortenName(std::string_view(line).substr(start, end - start), kMaxWordBytes);
    if (end < line.size()) out += ' ';
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string TerminationLog::lineFor(const std::string& message) {
  // Redact first (secrets may contain line breaks), then escape: one valid UTF-8 line.
  std::string line = escapeControl(redact(message));
  if (line.size() > kMaxLineBytes) line = shortenLongWords(line);
  return truncateUtf8(line, kMaxLineBytes) + "\n";
}

void TerminationLog::append(const std::string& message) {
  if (path_.empty()) return;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::string line = lineFor(message);
  int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK | (create_ ? O_CREAT : 0);
  int fd = ::open(path_.c_str(), flags, 0644);
  if (fd < 0) {
    int saved = errno;
    // The default /dev/termination-log is absent outside a pod: nothing to warn about there.
    if (!create_ && saved == ENOENT) {
      logger().debug("termination log {} does not exist; message not written there", path_);
    } else if (!warned_) {
      warned_ = true;
      logger().warn("termination log {} cannot be written ({}); the reason is only in this log",
                    path_, std::strerror(saved));
    }
    return;
  }
  ssize_t written = ::write(fd, line.data(), line.size());
  if (written != static_cast<ssize_t>(line.size()) && !warned_) {
    warned_ = true;
    logger().warn("termination log {}: short write ({})", path_,
                  written < 0 ? std::strerror(errno) : "disk full?");
  }
  ::close(fd);
}

}  // namespace iter8
