#include "plugins/metrics/descriptors.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace iter8::metrics {
namespace {

// Beyond one socket per connection: each version's loop (epoll, timerfd, libcurl's wake-up
// pipe) and what the process may still open meanwhile (the status file, a log).
constexpr long kSpareDescriptors = 32;

// Descriptors open now (/proc/self/fd), or 0 when that cannot be read.
long openDescriptors() {
  std::error_code ec;
  long n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

std::string describeDescriptorLimit() {
  struct rlimit limit {};
  std::string text = std::to_string(openDescriptors()) + " descriptors are open";
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    text += ", the limit is " + std::to_string(limit.rlim_cur) + " (ulimit -n)";
  }
  return text;
}

std::string reserveDescriptors(long connections) {
  const long needed = openDescriptors() + connections + kSpareDescriptors;
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return "";
  if (limit.rlim_cur == RLIM_INFINITY || static_cast<long>(limit.rlim_cur) >= needed) return "";
  const bool hardEnough =
      limit.rlim_max == RLIM_INFINITY || static_cast<long>(limit.rlim_max) >= needed;
  if (hardEnough) {
    const rlim_t old = limit.rlim_cur;
    limit.rlim_cur = static_cast<rlim_t>(needed);
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
      return "raised the open-file limit from " + std::to_string(old) + " to " +
             std::to_string(needed) + " for " + std::to_string(connections) + " connections";
    }
  }
  throw std::runtime_error(
      "too many open files: " + std::to_string(connections) + " connections need about " +
      std::to_string(needed) + " descriptors, the limit is " + std::to_string(limit.rlim_max) +
      " (ulimit -n); lower with.connections or raise the limit: the handler's limit, not the "
      "target's fault");
}

}  // namespace iter8::metrics
