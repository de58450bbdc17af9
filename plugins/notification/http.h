// notification/http: send an HTTP request (a webhook) with the experiment's outcome, as the Go
// handler's task of the same name, with its bugs fixed (docs/notification.md).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "iter8/task.hpp"

namespace iter8::notification {

class HttpTask : public sdk::Task {
 public:
  static constexpr const char* kName = "http";
  static constexpr const char* kDescription =
      "Send an HTTP request (default: POST of a JSON summary of the experiment); URL, header "
      "values and body are templates";
  static constexpr const char* kInputSchema = R"json({
    "type": "object",
    "properties": {
      "URL": {"type": "string", "minLength": 1,
              "description": "http:// or https:// URL; a template (key also written 'url')"},
      "method": {"type": "string", "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", "default": "POST",
                 "description": "HTTP method, e.g. POST, PUT, GET (a GET still carries the body)"},
      "authType": {"type": "string", "enum": ["Basic", "Bearer", "APIKey"],
                   "description": "Basic: secret keys username and password; Bearer: secret key token; APIKey: no header of its own (write it in headers with {{ .secret.<key> }}); absent: no authentication"},
      "secret": {"type": "string", "minLength": 1,
                 "description": "secret 'name' (experiment's namespace) or 'namespace/name'; its keys are .secret.<key> in templates"},
      "headers": {"type": "array", "default": [],
                  "description": "headers set after Content-Type and before authType's Authorization; a header replaces one of the same name",
                  "items": {"type": "object",
                            "properties": {
                              "name": {"type": "string", "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
                                       "description": "header name"},
                              "value": {"type": "string", "description": "header value; a template"}},
                            "required": ["name", "value"]}},
      "body": {"type": "string",
               "description": "request body; a template. Absent: the JSON summary {summary: {winnerFound, winner, versionRecommendedForPromotion, lastRecommendedWeights}, experiment}"},
      "ignoreFailure": {"type": "boolean", "default": true,
                        "description": "true: a failed request is logged as a warning and the task succeeds; false: the task fails"},
      "timeoutSeconds": {"type": "number", "minimum": 0.001, "maximum": 300, "default": 5,
                         "description": "time limit of each attempt, connection included"},
      "retries": {"type": "integer", "minimum": 0, "maximum": 10, "default": 0,
                  "description": "extra attempts after a connection error, a timeout or a 5xx answer, waiting 1 s, 2 s, 4 s, ... between them"},
      "versionInfo": {"description": "etc3's input, accepted and ignored as etc3 ignored it"}
    },
    "required": ["URL"]
  })json";

  explicit HttpTask(const sdk::TaskSpec& spec);
  void run(sdk::Host& host) override;

 private:
  struct Header {
    std::string name;
    std::string value;
  };

  std::string url_;
  std::string method_;
  std::string authType_;  // "" when absent
  std::string secret_;    // "" when absent
  std::vector<Header> headers_;
  std::optional<std::string> body_;
  bool ignoreFailure_ = true;
  std::chrono::milliseconds timeout_{5000};
  int retries_ = 0;
};

}  // namespace iter8::notification
