// The handler's commands, each returning the process exit code; the table
// (host/cli/command_table.cpp) names which runs for which words.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>

#include "host/cli/cli.h"

namespace iter8 {

int runCommand(const Command& command);
int reportCommand(const Command& command);      // host/cli/report_command.cpp
int analyzeCommand(const Command& command);     // host/cli/analyze_command.cpp
int completionCommand(const Command& command);  // host/cli/command_table.cpp
int pluginsListCommand(const Command& command);
int pluginsDescribeCommand(const Command& command);
int pluginsCheckCommand(const Command& command);
int versionCommand(const Command& command);          // host/cli/command_table.cpp
int collectShardCommand(const Command& command);     // host/cli/shard_command.cpp (hidden)
int collectShardJobCommand(const Command& command);  // host/cli/shard_job_command.cpp (hidden)

// `handler collect-shard`'s help and options (host/cli/shard_command.cpp).
std::string collectShardHelp();
boost::program_options::options_description collectShardOptions(Command& command);
void finishCollectShard(const CommandSpec& row, const std::vector<std::string>& operands,
                        Command& command);

// `handler collect-shard-job`'s help and options (host/cli/shard_job_command.cpp).
std::string collectShardJobHelp();
boost::program_options::options_description collectShardJobOptions(Command& command);

// `handler analyze`'s help, beside the command (host/cli/analyze_command.cpp).
std::string analyzeHelp();

class ExperimentSource;
// Reads the experiment, analyses it as the Iter8 controller would and writes the analysis back
// through `source` (run --analyze, analyze). Returns the verdict as one line. Throws
// SourceError, analysis::CriteriaError or analysis::AnalysisError.
std::string analyzeSource(ExperimentSource& source);

// The plugin folders to scan: --plugins-dir, $ITER8_PLUGINS_DIR, or the default.
std::vector<std::filesystem::path> pluginDirsOf(const CommonOptions& common);

}  // namespace iter8
