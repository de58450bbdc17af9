// Writing an experiment file back safely: the read-modify-write of a status update under a
// lock, atomically (temporary file in the target's folder, fsync, rename), through symlinks,
// keeping the file's mode and, for YAML, the text outside `status`.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <rapidjson/document.h>

namespace iter8 {

// Where writes to `path` go: symlinks followed to their final target (even a dangling one).
std::filesystem::path resolveWriteTarget(const std::filesystem::path& path);

// Refuses a target the handler must not replace: not a regular file (a device, a directory,
// a FIFO) or read-only (no write bit, or not writable by this user). A missing file is fine.
// Throws SourceError naming `shownAs`.
void checkWritable(const std::filesystem::path& target, const std::string& shownAs);

// Holds an exclusive flock on the target's folder while alive, so handlers writing files in
// it take turns (each re-reads under the lock, so no update is lost). The folder, not a lock
// file, so nothing is left beside an experiment kept in git. Throws SourceError.
class FolderLock {
 public:
  FolderLock(const std::filesystem::path& target, const std::string& shownAs);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

// Replaces `target` with `text` atomically: a temporary file beside it, fsync, rename. Keeps
// the mode (and, for root, the owner) of an existing target; a new file gets 0666 & ~umask.
// Removes temporary files a killed handler left for this target. Call under a FolderLock.
void replaceFile(const std::filesystem::path& target, const std::string& text,
                 const std::string& shownAs);

// The text of YAML file `original` with its top-level `status` block replaced by (or appended
// as) `status`, keeping every other line, comment and layout as it was. Returns "" when the
// file's layout is not one this can edit (the caller then writes the whole document).
std::string spliceYamlStatus(const std::string& original, const rapidjson::Value& status);

}  // namespace iter8
