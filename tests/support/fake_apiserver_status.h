// What the fake API server's files share: its error bodies and object copies
// (fake_apiserver.cpp, fake_apiserver_jobs.cpp). Not for tests.
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace httplib {
struct Response;
}  // namespace httplib

namespace iter8::testing {

// The reason of a metav1.Status for an HTTP status ("NotFound", "Conflict", ...).
const char* reasonOf(int status);
// The metav1.Status body the API server sends with every error; `reason` overrides
// reasonOf(code) (e.g. "AlreadyExists", a 409 that is not a conflict).
void sendStatus(httplib::Response& response, int code, const std::string& message,
                const char* reason = nullptr);
rapidjson::Document copyOf(const rapidjson::Value& value);

}  // namespace iter8::testing
