// The handler's commands as one table, after ninja's `kTools`: one row per command, and
// everything that lists commands (dispatch, "did you mean", the main help, the completion
// scripts) reads the rows instead of spelling the verbs again, so they cannot drift apart.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>

#include "host/cli/cli.h"

namespace iter8 {

struct CommandSpec {
  const char* verb;       // the word after `handler`
  const char* subVerb;    // the word after the verb (`plugins describe`), or nullptr. The first
                          // row of a verb with sub-verbs runs when none is given (`plugins`).
  const char* synopsis;   // the main help's left column: "run -a ACTION [-f FILE]"
  const char* operand;    // the one word it takes after its options, as messages name it
                          // ("LIBRARY[/TASK]"); "bash|zsh": the only words accepted, which the
                          // completion scripts offer; nullptr: none
  const char* summary;    // the main help's right column: one sentence, wrapped to fit
  std::string (*help)();  // usage, description and examples: `--help` above the options
  // Its options beside the common ones, as one titled group (nullptr: only the common ones).
  // The rows of one verb share them: the sub-verb is only known after parsing.
  boost::program_options::options_description (*options)(Command& command);
  // After parsing: takes the operands, applies environment defaults and checks rules across
  // options. Throws UsageError.
  void (*finish)(const CommandSpec& row, const std::vector<std::string>& operands,
                 Command& command);
  int (*run)(const Command& command);  // the process exit code
};

// The rows, in the order the main help lists them. Plain begin/end so a range-for reads it.
struct CommandTable {
  const CommandSpec* first;
  size_t count;
  const CommandSpec* begin() const { return first; }
  const CommandSpec* end() const { return first + count; }
};
CommandTable commandTable();

// `handler help X` is `handler X --help`: a spelling the parser knows, not a row.
inline constexpr const char* kHelpVerb = "help";

// "plugins describe": how messages and tests name a row.
std::string commandName(const CommandSpec& row);

// Each verb once, in table order.
std::vector<std::string> verbsOf(const CommandTable& table);

// The row a verb (and its sub-verb, when `subVerb` names one) selects: the verb's first row
// when `subVerb` is empty or not one of its sub-verbs; nullptr for an unknown verb.
const CommandSpec* findCommand(const std::string& verb, const std::string& subVerb);

// The sub-verb rows of a verb, in table order (empty for a verb without sub-verbs).
std::vector<const CommandSpec*> subVerbRows(const std::string& verb);

// The options of every command (--help, --log-level), as one titled group. --plugins-dir is
// an option of the commands that load plugins (run, plugins) only.
boost::program_options::options_description commonOptions(CommonOptions& common);

// Every option a row accepts: the common ones, then its own (what `--help` prints).
// `command` receives the values when the options are parsed.
boost::program_options::options_description optionsOf(const CommandSpec& row, Command& command);

// "a, b or c": how messages list what was expected.
std::string joinOr(const std::vector<std::string>& words);

// The words of an operand that lists its choices ("bash|zsh"); empty for a placeholder.
std::vector<std::string> operandChoices(const CommandSpec& row);

}  // namespace iter8
