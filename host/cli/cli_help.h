// The words of `handler --help`, each command's usage with examples, and the shell completion
// scripts: kept apart from the parser so the text reads as one document.
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

// The script `handler completion bash|zsh` prints.
std::string completionScript(const std::string& shell);

}  // namespace iter8
