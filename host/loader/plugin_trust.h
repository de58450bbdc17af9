// Whether a plugin file may be trusted before it is opened: whoever can write a plugin runs
// code as the handler, so a file or folder writable by others than its owner and root is
// refused, as ssh and sudo refuse such files of theirs.
#pragma once

#include <filesystem>
#include <string>

namespace iter8 {

// Why `file` may not be trusted, or "" when it may: the file or its folder is writable by
// others (o+w), or by a group other than root's or its owner's own, or owned by someone other
// than root and this process's user.
std::string untrustedReason(const std::filesystem::path& file);

// ITER8_PLUGINS_TRUST=warn: such a plugin is loaded with a warning instead of refused (for a
// folder one cannot fix, such as a shared volume). Any other value, or none: refused.
bool untrustedPluginsOnlyWarn();

}  // namespace iter8
