#include "host/runner/scratch_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "host/log.h"
#include "lib/locked_folder.h"

namespace iter8 {

namespace fs = std::filesystem;

constexpr const char* kPrefix = "iter8-scratch-";

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
  // A handler killed with SIGKILL (or by the OOM killer) left its folder, with what its tasks
  // wrote there (a sharded collect's partials): the first run after it removes it.
  for (const std::string& left : removeAbandonedFolders(base, kPrefix)) {
    logger().info("removed {}, the SCRATCH_DIR of a handler that was killed", left);
  }
  try {
    folder_ = std::make_unique<LockedTempFolder>(base, kPrefix);
  } catch (const std::runtime_error& e) {
    logger().warn("cannot create a scratch folder: {}; SCRATCH_DIR is not set", e.what());
    return;
  }
  path_ = folder_->path();
  ::setenv("SCRATCH_DIR", path_.c_str(), 1);
  logger().debug("SCRATCH_DIR is {}", path_);
}

ScratchDir::~ScratchDir() {
  if (!folder_) return;
  folder_.reset();  // removed, with what the scripts left in it
  ::unsetenv("SCRATCH_DIR");
}

}  // namespace iter8
