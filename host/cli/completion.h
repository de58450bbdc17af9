// The scripts `handler completion bash|zsh` prints, generated from the command table: the
// verbs from its rows, each command's options from its options_description, so a new command
// or option is completed without anyone editing a word list.
#pragma once

#include <string>

namespace iter8 {

// The script for `shell`: zsh, else bash.
std::string completionScript(const std::string& shell);

}  // namespace iter8
