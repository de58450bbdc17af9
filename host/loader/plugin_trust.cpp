#include "host/loader/plugin_trust.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace iter8 {
namespace {

std::string modeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// The primary group of `uid`, or -1 when the user is unknown (no passwd entry).
long primaryGroupOf(uid_t uid) {
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
    return -1;
  return static_cast<long>(found->pw_gid);
}

// Why `info` (of `what`, "file" or "folder") makes the plugin untrusted, or "".
std::string problemOf(const struct stat& info, const std::string& what, const std::string& name) {
  if (info.st_uid != 0 && info.st_uid != ::geteuid()) {
    return "its " + what + " " + name + " is owned by user " + std::to_string(info.st_uid) +
           ", neither root nor this user (" + std::to_string(::geteuid()) + ")";
  }
  const bool groupOk =
      info.st_gid == 0 || static_cast<long>(info.st_gid) == primaryGroupOf(info.st_uid);
  if ((info.st_mode & S_IWOTH) != 0 || ((info.st_mode & S_IWGRP) != 0 && !groupOk)) {
    return "its " + what + " " + name + " is writable by others than its owner and root (mode " +
           modeText(info.st_mode) + "): chmod go-w " + name;
  }
  return "";
}

}  // namespace

std::string untrustedReason(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(file, ec);
  if (ec) absolute = file;
  struct stat info {};
  if (::stat(absolute.c_str(), &info) != 0) return "";  // the loader reports a missing file
  if (std::string problem = problemOf(info, "file", absolute.string()); !problem.empty())
    return problem;
  std::filesystem::path folder = absolute.parent_path();
  if (::stat(folder.c_str(), &info) != 0) return "";
  return problemOf(info, "folder", folder.string());
}

bool untrustedPluginsOnlyWarn() {
  const char* value = std::getenv("ITER8_PLUGINS_TRUST");
  return value != nullptr && std::string_view(value) == "warn";
}

}  // namespace iter8
