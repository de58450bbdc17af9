#include "plugins/notification/http.h"

#include <cmath>

#include "lib/base64.h"
#include "lib/http.h"
#include "lib/json.h"
#include "plugins/notification/default_body.h"
#include "plugins/notification/delivery.h"
#include "plugins/notification/templating.h"

namespace iter8::notification {
namespace {

// The value of `key` in the secret; a missing key is an error naming the secret and the key.
std::string requireKey(const rapidjson::Value& secret, const std::string& ref,
                       const std::string& key, const std::string& authType) {
  const rapidjson::Value* value = findMember(secret, key);
  if (value == nullptr || !value->IsString()) {
    throw sdk::InputError("input 'with.secret': secret '" + ref + "' has no key '" + key +
                          "' (authType " + authType + " needs it)");
  }
  return value->GetString();
}

bool hasLineBreak(const std::string& text) {
  return text.find_first_of("\r\n") != std::string::npos;
}

}  // namespace

HttpTask::HttpTask(const sdk::TaskSpec& spec)
    : url_(spec.requireString("URL")),
      method_(spec.optionalString("method", "POST")),
      authType_(spec.optionalString("authType")),
      secret_(spec.optionalString("secret")),
      ignoreFailure_(spec.optionalBool("ignoreFailure", true)) {
  if (!hasTemplate(url_) && !http::isHttpUrl(url_)) {
    throw sdk::InputError("input 'with.URL': '" + http::urlForMessages(url_) +
                          "' is not an absolute http:// or https:// URL");
  }
  if ((authType_ == "Basic" || authType_ == "Bearer") && secret_.empty()) {
    throw sdk::InputError("input 'with.secret' is required when authType is " + authType_ +
                          "; expected the secret's 'name' or 'namespace/name'");
  }
  if (const rapidjson::Value* headers = spec.find("headers")) {
    for (const auto& header : headers->GetArray()) {
      headers_.push_back({header["name"].GetString(), header["value"].GetString()});
    }
  }
  if (const rapidjson::Value* body = spec.find("body")) body_ = body->GetString();
  if (const rapidjson::Value* timeout = spec.find("timeoutSeconds")) {
    timeout_ = std::chrono::milliseconds(
        std::max<long long>(1, std::llround(timeout->GetDouble() * 1000.0)));
  }
  if (const rapidjson::Value* retries = spec.find("retries")) retries_ = retries->GetInt();
}

void HttpTask::run(sdk::Host& host) {
  rapidjson::Document experiment = host.experiment();

  std::optional<rapidjson::Document> secret;
  if (!secret_.empty()) {
    try {
      secret = host.secret(secret_);  // the host masks its values in every log line
    } catch (const sdk::Error& e) {
      throw sdk::Error(e.status(), "input 'with.secret': " + std::string(e.what()));
    }
  }
  std::string authorization;
  if (authType_ == "Basic") {
    authorization =
        "Basic " + encodeBase64(requireKey(*secret, secret_, "username", authType_) + ":" +
                                requireKey(*secret, secret_, "password", authType_));
  } else if (authType_ == "Bearer") {
    authorization = "Bearer " + requireKey(*secret, secret_, "token", authType_);
  }

  // Everything is rendered before anything is sent: a template error sends nothing.
  bool templated = hasTemplate(url_) || (body_.has_value() && hasTemplate(*body_));
  for (const auto& header : headers_) templated = templated || hasTemplate(header.value);
  rapidjson::Document data =
      templated ? templateData(experiment, host) : rapidjson::Document(rapidjson::kObjectType);
  FieldRenderer renderer(host, std::move(data), secret_, std::move(secret));

  http::Request request;
  request.method = method_;
  request.url = renderer.render("with.URL", url_);
  if (!http::isHttpUrl(request.url)) {
    throw sdk::InputError("input 'with.URL': the rendered URL '" +
                          http::urlForMessages(request.url) +
                          "' is not an absolute http:// or https:// URL");
  }
  request.timeout = timeout_;
  request.connectTimeout = timeout_;
  setHeader(request, "Content-Type", "application/json");
  setHeader(request, "User-Agent", "iter8-handler/" + host.handlerVersion());
  for (size_t i = 0; i < headers_.size(); ++i) {
    const std::string field = "with.headers[" + std::to_string(i) + "].value";
    std::string value = renderer.render(field, headers_[i].value);
    if (hasLineBreak(value)) {
      throw sdk::InputError("input '" + field + "': the header value contains a line break");
    }
    setHeader(request, headers_[i].name, value);
  }
  if (!authorization.empty()) setHeader(request, "Authorization", authorization);
  request.body = body_.has_value() ? renderer.render("with.body", *body_) : defaultBody(experiment);

  host.debug("sending " + request.method + " " + http::urlForMessages(request.url) + " with " +
             std::to_string(request.body.size()) + " bytes of body");
  Delivery delivery = deliver(request, retries_, !secret_.empty(), host);
  if (!delivery.delivered) settleFailure(delivery.failure, ignoreFailure_, host);
}

}  // namespace iter8::notification
