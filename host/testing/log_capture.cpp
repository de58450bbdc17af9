#include "host/testing/log_capture.h"

#include <algorithm>

#include <spdlog/sinks/base_sink.h>

#include "host/log.h"

namespace iter8::testing {

struct LogCapture::State {
  mutable std::mutex mutex;
  std::string label;
  std::vector<std::pair<iter8_log_level, std::string>> lines;
};

namespace {

iter8_log_level levelOf(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return ITER8_LOG_TRACE;
    case spdlog::level::debug:
      return ITER8_LOG_DEBUG;
    case spdlog::level::info:
      return ITER8_LOG_INFO;
    case spdlog::level::warn:
      return ITER8_LOG_WARNING;
    default:
      return ITER8_LOG_ERROR;
  }
}

class CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit CaptureSink(std::shared_ptr<LogCapture::State> state) : state_(std::move(state)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    // Masked as the handler's own sink masks every line.
    std::string text = redact(std::string_view(msg.payload.data(), msg.payload.size()));
    std::lock_guard<std::mutex> lock(state_->mutex);
    const std::string prefix = state_->label + ": ";
    if (!state_->label.empty() && text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
    state_->lines.emplace_back(levelOf(msg.level), std::move(text));
  }
  void flush_() override {}

 private:
  std::shared_ptr<LogCapture::State> state_;
};

}  // namespace

LogCapture::LogCapture() : state_(std::make_shared<State>()) {
  auto& log = logger();
  previousLevel_ = static_cast<int>(log.level());
  // The sinks already there (stderr) keep printing what they printed before.
  for (auto& sink : log.sinks()) {
    previousSinkLevels_.emplace_back(sink, static_cast<int>(sink->level()));
    sink->set_level(std::max(sink->level(), log.level()));
  }
  sink_ = std::make_shared<CaptureSink>(state_);
  log.sinks().push_back(sink_);
  log.set_level(spdlog::level::trace);
}

LogCapture::~LogCapture() {
  auto& log = logger();
  auto& sinks = log.sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  for (auto& [sink, level] : previousSinkLevels_) {
    sink->set_level(static_cast<spdlog::level::level_enum>(level));
  }
  log.set_level(static_cast<spdlog::level::level_enum>(previousLevel_));
}

void LogCapture::setLabel(const std::string& label) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->label = label;
}

void LogCapture::clear() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->lines.clear();
}

std::vector<std::pair<iter8_log_level, std::string>> LogCapture::lines() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->lines;
}

}  // namespace iter8::testing
