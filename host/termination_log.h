// The file Kubernetes shows as a terminated container's message (/dev/termination-log).
#pragma once

#include <string>

namespace iter8 {

class TerminationLog {
 public:
  // `create`: make the file when it does not exist. Off for the default /dev/termination-log,
  // which the kubelet provides in a pod; elsewhere (a laptop, a test run as root) the handler
  // must not leave a stray regular file in /dev.
  TerminationLog(std::string path, bool create) : path_(std::move(path)), create_(create) {}

  // Appends one line (redacted of known secrets). Where the file cannot be opened, as on a
  // laptop without /dev/termination-log, the message is skipped quietly (logged at debug).
  void append(const std::string& message);

 private:
  std::string path_;
  bool create_;
};

}  // namespace iter8
