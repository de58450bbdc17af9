// notification/slack: post the experiment's summary to a Slack channel with chat.postMessage,
// as the Go handler's task of the same name, with its bugs fixed (docs/notification.md).
#pragma once

#include <string>

#include "iter8/task.hpp"

namespace iter8::notification {

class SlackTask : public sdk::Task {
 public:
  static constexpr const char* kName = "slack";
  static constexpr const char* kDescription =
      "Post the experiment's name, versions, stage and winner to a Slack channel "
      "(chat.postMessage; API base URL from ITER8_SLACK_API_URL, default https://slack.com/api)";
  static constexpr const char* kInputSchema = R"json({
    "type": "object",
    "properties": {
      "channel": {"type": "string", "minLength": 1, "description": "Slack channel ID, e.g. C0123456789"},
      "secret": {"type": "string", "minLength": 1,
                 "description": "secret 'name' (experiment's namespace) or 'namespace/name' holding the bot token in key 'token'"},
      "ignoreFailure": {"type": "boolean", "default": true,
                        "description": "true: a failed post (transport error, HTTP status >= 400, or Slack's ok:false) is logged as a warning and the task succeeds; false: the task fails"},
      "versionInfo": {"description": "etc3's input, accepted and ignored as etc3 ignored it"}
    },
    "required": ["channel", "secret"]
  })json";

  explicit SlackTask(const sdk::TaskSpec& spec);
  void run(sdk::Host& host) override;

 private:
  std::string channel_;
  std::string secret_;
  bool ignoreFailure_ = true;
  std::string endpoint_;  // <API base URL>/chat.postMessage
};

}  // namespace iter8::notification
