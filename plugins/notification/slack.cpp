#include "plugins/notification/slack.h"

#include <cstdlib>

#include "lib/http.h"
#include "lib/json.h"
#include "plugins/notification/delivery.h"
#include "plugins/notification/slack_message.h"

namespace iter8::notification {
namespace {

constexpr const char* kDefaultApiUrl = "https://slack.com/api";
constexpr const char* kApiUrlVariable = "ITER8_SLACK_API_URL";
constexpr std::chrono::seconds kTimeout{10};

// Slack answers HTTP 200 with {"ok":false,"error":"channel_not_found"} when it refuses a
// message; "" when the answer says ok:true, otherwise why not.
// chat.postMessage answers with a small JSON object (the message echoed back): 64 KiB is far
// more than it sends, and an answer past it is refused rather than buffered.
constexpr size_t kSlackAnswerLimit = 64 * 1024;

std::string slackRefusal(const http::Response& response) {
  if (response.bodyDropped > 0) {
    return "Slack's answer is over " + std::to_string(kSlackAnswerLimit / 1024) + " KiB (" +
           std::to_string(response.body.size() + response.bodyDropped) +
           " bytes): not an answer of Slack's API";
  }
  rapidjson::Document answer;
  try {
    answer = parseJson(response.body);
  } catch (const JsonError&) {
    return "Slack's answer is not JSON";
  }
  const rapidjson::Value* ok = findMember(answer, "ok");
  if (ok != nullptr && ok->IsBool() && ok->GetBool()) return "";
  const rapidjson::Value* error = findMember(answer, "error");
  return "Slack answered ok:false (" +
         std::string(error != nullptr && error->IsString() ? error->GetString()
                                                           : "no error given") +
         ")";
}

}  // namespace

SlackTask::SlackTask(const sdk::TaskSpec& spec)
    : channel_(spec.requireString("channel")),
      secret_(spec.requireString("secret")),
      ignoreFailure_(spec.optionalBool("ignoreFailure", true)) {
  const char* base = std::getenv(kApiUrlVariable);
  std::string apiUrl = base != nullptr && base[0] != '\0' ? base : kDefaultApiUrl;
  while (!apiUrl.empty() && apiUrl.back() == '/') apiUrl.pop_back();
  if (!http::isHttpUrl(apiUrl)) {
    throw sdk::InputError(std::string("environment variable ") + kApiUrlVariable + " ('" +
                          http::urlForMessages(apiUrl) +
                          "') is not an absolute http:// or https:// URL");
  }
  endpoint_ = apiUrl + "/chat.postMessage";
}

void SlackTask::run(sdk::Host& host) {
  rapidjson::Document experiment = host.experiment();
  rapidjson::Document secret;
  try {
    secret = host.secret(secret_);  // the host masks its values in every log line
  } catch (const sdk::Error& e) {
    throw sdk::Error(e.status(), "input 'with.secret': " + std::string(e.what()));
  }
  const rapidjson::Value* token = findMember(secret, "token");
  if (token == nullptr || !token->IsString() || token->GetStringLength() == 0) {
    throw sdk::InputError("input 'with.secret': secret '" + secret_ + "' has " +
                          (token == nullptr ? "no key 'token'" : "an empty key 'token'") +
                          " (the Slack bot token)");
  }

  http::Request request;
  request.method = "POST";
  request.url = endpoint_;
  request.timeout = kTimeout;
  setHeader(request, "Content-Type", "application/json; charset=utf-8");
  setHeader(request, "User-Agent", "iter8-handler/" + host.handlerVersion());
  setHeader(request, "Authorization", std::string("Bearer ") + token->GetString());
  request.body = chatPostMessageBody(channel_, experiment);
  request.maxBody = kSlackAnswerLimit;

  host.debug("posting to Slack channel " + channel_);
  Delivery delivery = deliver(request, 0, /*secretUsed=*/true, host);
  if (!delivery.delivered) {
    settleFailure(delivery.failure, ignoreFailure_, host);
    return;
  }
  if (std::string refusal = slackRefusal(delivery.response); !refusal.empty()) {
    settleFailure("POST " + http::urlForMessages(endpoint_) + ": " + refusal, ignoreFailure_, host);
  }
}

}  // namespace iter8::notification
