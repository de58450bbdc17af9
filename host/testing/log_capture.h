// The log lines of a test host: a sink on the handler's one logger that keeps every line with
// its level, secrets masked, without the task's "action ..., task ...: " prefix.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "iter8/plugin_api.h"

namespace spdlog::sinks {
class sink;
}

namespace iter8::testing {

class LogCapture {
 public:
  // Attaches to the logger and lets every level through to it (the stderr sink keeps the
  // level it had); detaches and restores the level when destroyed.
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The prefix stripped from lines ("action test, task 0 (hello/greet)").
  void setLabel(const std::string& label);
  void clear();
  std::vector<std::pair<iter8_log_level, std::string>> lines() const;

  struct State;  // shared with the sink, which may outlive this object in spdlog's list

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<spdlog::sinks::sink> sink_;
  int previousLevel_ = 0;
  std::vector<std::pair<std::shared_ptr<spdlog::sinks::sink>, int>> previousSinkLevels_;
};

}  // namespace iter8::testing
