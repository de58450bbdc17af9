// Timestamps as Kubernetes and Iter8 write them in objects (RFC 3339, UTC, whole seconds:
// "2026-12-08T04:16:31Z", as Go's metav1.Time marshals).
#pragma once

#include <chrono>
#include <string>

namespace iter8 {

std::string rfc3339Utc(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

}  // namespace iter8
