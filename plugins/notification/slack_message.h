// The Slack message of notification/slack: the Go handler's text, byte for byte, in a
// chat.postMessage JSON body.
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace iter8::notification {

// "*<testingPattern> experiment on <target>*": the message's one section block.
std::string slackHeadline(const rapidjson::Value& experiment);

// The attachment's section text, lines joined by "\n":
//   *Name:* _<namespace or default>/<name>_
//   *Versions:* _<baseline>, <candidate>, ..._
//   *Stage:* _<status.stage or Waiting>_
//   *Winner:* _<winner or not found>_
//   *Failed:* _true_            (only when the Failed condition is True)
// Two fixes against the original: a winner flagged but not named is "not found" (Go
// panicked), and "Failed: true" needs the condition to be True (Go also printed it when the
// condition was absent or Unknown, so every fresh experiment "failed").
std::string slackDetails(const rapidjson::Value& experiment);

// The chat.postMessage body: {"channel","blocks":[section],"attachments":[{"blocks":
// [section]}],"icon_url"} as compact JSON.
std::string chatPostMessageBody(const std::string& channel, const rapidjson::Value& experiment);

}  // namespace iter8::notification
