#include "plugins/notification/delivery.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "lib/text.h"

namespace iter8::notification {
namespace {

constexpr std::chrono::seconds kFirstBackoff{1};
constexpr std::chrono::seconds kMaxBackoff{30};

std::string describe(const http::Request& request) {
  return request.method + " " + http::urlForMessages(request.url);
}

// The start of a response body on one line, for a debug message.
std::string bodyStart(const http::Response& response) {
  std::string shown = response.body.substr(0, kKeptAnswerBytes);
  std::replace_if(
      shown.begin(), shown.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  const uint64_t total = response.body.size() + response.bodyDropped;
  if (total > shown.size()) shown += "... (" + std::to_string(total) + " bytes)";
  return shown;
}

}  // namespace

void setHeader(http::Request& request, const std::string& name, const std::string& value) {
  for (auto& header : request.headers) {
    if (equalsIgnoreCase(header.first, name)) {
      header = {name, value};
      return;
    }
  }
  request.headers.emplace_back(name, value);
}

Delivery deliver(const http::Request& original, int retries, bool secretUsed,
                 const sdk::Host& host) {
  // SIGTERM abandons a request in flight too, not only the wait between attempts.
  http::Request request = original;
  request.abort = [&host] { return host.cancelled(); };
  if (request.maxBody == SIZE_MAX) request.maxBody = kKeptAnswerBytes;
  Delivery result;
  std::chrono::milliseconds backoff = kFirstBackoff;
  int attempt = 0;
  for (;; ++attempt) {
    std::string retryReason;
    try {
      result.response = http::send(request);
      if (result.response.status < 500 || attempt == retries) break;
      retryReason = describe(request) + ": " + result.response.statusLine();
    } catch (const http::HttpError& e) {
      if (e.kind() == http::HttpError::Kind::kCancelled) {
        throw sdk::Error(ITER8_ERR_CANCELLED,
                         describe(request) + ": cancelled while waiting for the answer");
      }
      bool retryable = e.kind() == http::HttpError::Kind::kConnect ||
                       e.kind() == http::HttpError::Kind::kTimeout;
      if (!retryable || attempt == retries) {
        result.failure = e.what();
        if (attempt > 0) result.failure += " (attempt " + std::to_string(attempt + 1) + ")";
        return result;
      }
      retryReason = e.what();
    }
    host.warn(retryReason + "; retry " + std::to_string(attempt + 1) + " of " +
              std::to_string(retries) + " in " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(backoff).count()) +
              " s");
    if (host.waitCancelled(backoff)) {
      throw sdk::Error(ITER8_ERR_CANCELLED,
                       describe(request) + ": cancelled while waiting to retry");
    }
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
  }

  const std::string outcome = describe(request) + ": " + result.response.statusLine();
  if (secretUsed) {
    host.debug("response body not logged: the request used a secret");
  } else if (host.logEnabled(ITER8_LOG_DEBUG)) {
    host.debug("response body: " + bodyStart(result.response));
  }
  if (result.response.status >= 400) {
    result.failure = outcome;
    if (attempt > 0) result.failure += " (attempt " + std::to_string(attempt + 1) + ")";
    return result;
  }
  host.info(outcome);
  result.delivered = true;
  return result;
}

void settleFailure(const std::string& failure, bool ignoreFailure, const sdk::Host& host) {
  if (!ignoreFailure) throw sdk::TaskFailed(failure);
  host.warn(failure + "; ignored (ignoreFailure is not false)");
}

}  // namespace iter8::notification
