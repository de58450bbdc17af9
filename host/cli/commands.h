// The handler's commands, each returning the process exit code; the table
// (host/cli/command_table.cpp) names which runs for which words.
#pragma once

#include <filesystem>
#include <vector>

#include "host/cli/cli.h"

namespace iter8 {

int runCommand(const Command& command);
int reportCommand(const Command& command);      // host/cli/report_command.cpp
int completionCommand(const Command& command);  // host/cli/command_table.cpp
int pluginsListCommand(const Command& command);
int pluginsDescribeCommand(const Command& command);
int pluginsCheckCommand(const Command& command);
int versionCommand(const Command& command);  // host/cli/command_table.cpp

// The plugin folders to scan: --plugins-dir, $ITER8_PLUGINS_DIR, or the default.
std::vector<std::filesystem::path> pluginDirsOf(const CommonOptions& common);

}  // namespace iter8
