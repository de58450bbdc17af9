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

  // Appends one line: redacted of known secrets, control characters and invalid UTF-8
  // escaped, at most 4000 bytes with overlong words (names) shortened so the reason stays in.
  // Where the default /dev/termination-log does not exist (a laptop) the message is skipped
  // quietly (debug); any other file that cannot be written is a warning, once.
  void append(const std::string& message);

  // The line append() writes for `message`, newline included.
  static std::string lineFor(const std::string& message);

 private:
  std::string path_;
  bool create_;
  bool warned_ = false;
};

}  // namespace iter8
