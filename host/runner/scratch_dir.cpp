#include "host/runner/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "host/log.h"

namespace iter8 {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  const char* given = std::getenv("SCRATCH_DIR");
  if (given != nullptr && given[0] != '\0') {
    std::error_code ec;
    fs::create_directories(given, ec);
    if (ec || !fs::is_directory(given)) {
      logger().warn("SCRATCH_DIR '{}' does not exist and cannot be created: {}", given,
                    ec ? ec.message() : "not a folder");
    }
    path_ = given;
    return;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp";
  std::string pattern = base + "/iter8-scratch-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    logger().warn("cannot create a scratch folder under {}: {}; SCRATCH_DIR is not set", base,
                  std::strerror(errno));
    return;
  }
  path_ = buffer.data();
  owned_ = true;
  ::setenv("SCRATCH_DIR", path_.c_str(), 1);
  logger().debug("SCRATCH_DIR is {}", path_);
}

ScratchDir::~ScratchDir() {
  if (!owned_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  ::unsetenv("SCRATCH_DIR");
}

}  // namespace iter8
