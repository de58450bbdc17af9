// The file Kubernetes shows as a terminated container's message (/dev/termination-log).
#pragma once

#include <string>

namespace iter8 {

class TerminationLog {
 public:
  explicit TerminationLog(std::string path) : path_(std::move(path)) {}

  // Appends one line (redacted of known secrets). Where the file cannot be opened, as on a
  // laptop without /dev/termination-log, the message is skipped quietly (logged at debug).
  void append(const std::string& message);

 private:
  std::string path_;
};

}  // namespace iter8
