// The words of `handler --help` and each command's usage with examples: kept apart from the
// parser so the text reads as one document. The main help's command list comes from the
// command table (command_table.h).
#pragma once

#include <string>

namespace iter8 {

std::string mainHelp();
std::string runHelp();
std::string reportHelp();
std::string pluginsHelp();
std::string pluginsDescribeHelp();
std::string pluginsCheckHelp();
std::string completionHelp();
std::string versionHelp();

}  // namespace iter8
