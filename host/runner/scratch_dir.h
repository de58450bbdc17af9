// SCRATCH_DIR: a writable folder for the scripts of `run:` items and common/bash, as etc3 gave
// them /scratch. Our Job's root filesystem is read-only, so it lives under /tmp (an emptyDir).
#pragma once

#include <memory>
#include <string>

#include "lib/locked_folder.h"

namespace iter8 {

// Sets SCRATCH_DIR in the handler's environment (children inherit it) for as long as it lives.
// An existing non-empty SCRATCH_DIR is honoured and created when missing (the image sets one
// under /tmp, which starts empty); otherwise a fresh folder is made with mkdtemp under $TMPDIR
// (else /tmp) and removed, with what scripts left in it, when the object goes away; it is locked
// meanwhile, and such folders of handlers that were killed are removed first. Create it on the
// main thread before any task starts: setenv is not thread-safe.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }  // empty when no folder could be made

 private:
  std::string path_;
  std::unique_ptr<LockedTempFolder> folder_;  // made by us with mkdtemp: removed at the end
};

}  // namespace iter8
