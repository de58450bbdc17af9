// Replacing a file whole or not at all: a temporary file beside the target, fsync, rename over
// it, fsync of the folder. A reader sees the old text or the new one, never half of either.
// Used for the experiment's status write-back and for `handler report -o`.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace iter8 {

// The step that failed, so each caller can word its message its own way.
enum class AtomicWriteStep { CreateTemporary, KeepOwner, KeepMode, Write, Sync, Rename };

// what() is the step and the system's reason ("cannot keep the mode: Permission denied");
// error() is the errno. The temporary file is gone when this is thrown.
class AtomicWriteError : public std::runtime_error {
 public:
  AtomicWriteError(AtomicWriteStep step, int error, const std::string& message)
      : std::runtime_error(message), step_(step), error_(error) {}
  AtomicWriteStep step() const { return step_; }
  int error() const { return error_; }

 private:
  AtomicWriteStep step_;
  int error_;
};

struct AtomicWriteOptions {
  // Set: the file gets exactly this mode, whatever the umask or an old file's mode. Unset: an
  // existing target keeps its mode (and, when we are root, its owner); a new one gets
  // 0666 & ~umask, as any editor would create it.
  std::optional<mode_t> mode;
  // Remove the temporary files a killed writer left for this target first. Only for a caller
  // that keeps other writers of the folder out meanwhile (host/source's FolderLock).
  bool removeStaleTemporaries = false;
};

// Replaces `target` (a symlink itself is replaced, not followed) with `text`. Throws
// AtomicWriteError; the target is then as it was.
void writeFileAtomically(const std::filesystem::path& target, const std::string& text,
                         const AtomicWriteOptions& options = {});

}  // namespace iter8
