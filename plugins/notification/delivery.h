// Sending a notification: one HTTP exchange through lib/http, retried on connection errors,
// timeouts and 5xx answers with exponential backoff, and what a failure means for the task.
#pragma once

#include <string>

#include "iter8/task.hpp"
#include "lib/http.h"

namespace iter8::notification {

// The most of a receiver's answer a notification keeps: what the debug line shows. A receiver
// that sends more costs no memory (the rest is counted and dropped, http::Request::maxBody).
inline constexpr size_t kKeptAnswerBytes = 1024;

struct Delivery {
  bool delivered = false;  // an answer below 400 arrived
  std::string failure;     // when not delivered: one line naming method, URL (no query), reason
  http::Response response;
};

// Sends `request` up to 1 + `retries` times, keeping at most request.maxBody bytes of the answer
// (kKeptAnswerBytes when the caller set no cap). Waits 1 s, 2 s, 4 s, ... (at most 30 s) between
// attempts, and stops early (sdk::Error ITER8_ERR_CANCELLED) when the handler is asked to stop,
// during a wait or a request.
// Logs the outcome at info and, unless `secretUsed`, the start of the response body at debug.
Delivery deliver(const http::Request& request, int retries, bool secretUsed, const sdk::Host& host);

// A failed delivery: the task fails with `failure` when ignoreFailure is false, otherwise the
// failure is logged as a warning and the task succeeds.
void settleFailure(const std::string& failure, bool ignoreFailure, const sdk::Host& host);

// Sets header `name` (replacing one of the same name in any case), as Go's Header.Set did.
void setHeader(http::Request& request, const std::string& name, const std::string& value);

}  // namespace iter8::notification
