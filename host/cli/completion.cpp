#include "host/cli/completion.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "host/cli/command_table.h"

namespace po = boost::program_options;

namespace iter8 {
namespace {

// What to offer after an option that takes a value. The values are not in the options'
// descriptions, so they are listed here, by long name; the short name (-f) comes from the
// options. Any other option gets the command's words again.
enum class Offer { kWords, kFiles, kFolders, kActions };
struct ValueCompletion {
  const char* option;  // long name
  Offer offer;
  const char* words;  // kWords: the values
};
const ValueCompletion kValueCompletions[] = {
    {"format", Offer::kWords, "table json html"},
    {"log-level", Offer::kWords, "trace debug info warning error"},
    {"action", Offer::kActions, nullptr},
    {"isolation", Offer::kWords, "process none"},
    {"file", Offer::kFiles, nullptr},
    {"output", Offer::kFiles, nullptr},
    {"termination-log", Offer::kFiles, nullptr},
    {"kubeconfig", Offer::kFiles, nullptr},
    {"plugins-dir", Offer::kFolders, nullptr},
    {"secrets-dir", Offer::kFolders, nullptr},
};

void addOnce(std::vector<std::string>& words, const std::string& word) {
  if (std::find(words.begin(), words.end(), word) == words.end()) words.push_back(word);
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

// "-f|--file": the case pattern of an option, with its short name when it has one.
std::string optionPattern(const std::string& longName) {
  for (const CommandSpec& row : commandTable()) {
    Command scratch;  // the options bind to it; nothing is parsed
    const po::options_description options = optionsOf(row, scratch);
    const po::option_description* option = options.find_nothrow(longName, false);
    if (option == nullptr) continue;
    // Without a short name, Boost names the option by its long name instead.
    const std::string shortName =
        option->canonical_display_name(po::command_line_style::allow_dash_for_short);
    if (shortName.size() == 2 && shortName[0] == '-') return shortName + "|--" + longName;
  }
  return "--" + longName;
}

void addLongNames(std::vector<std::string>& words, const po::options_description& options) {
  for (const auto& option : options.options()) addOnce(words, "--" + option->long_name());
}

// What to offer after the verb: its sub-verbs, the choices of its operand, the options of each
// of its rows, then the common options.
std::vector<std::string> wordsAfter(const std::string& verb) {
  std::vector<std::string> words;
  for (const CommandSpec& row : commandTable()) {
    if (verb != row.verb) continue;
    if (row.subVerb != nullptr) addOnce(words, row.subVerb);
    for (const std::string& choice : operandChoices(row)) addOnce(words, choice);
  }
  Command scratch;  // the options bind to it; nothing is parsed
  for (const CommandSpec& row : commandTable()) {
    if (verb == row.verb && row.options != nullptr) addLongNames(words, row.options(scratch));
  }
  addLongNames(words, commonOptions(scratch.common));
  return words;
}

// The `case` arms both shells share: the words of each verb; `help` takes a verb; anything
// else gets the common options.
std::string verbArms() {
  const std::vector<std::string> verbs = verbsOf(commandTable());
  std::string arms;
  for (const std::string& verb : verbs) {
    arms += "  " + verb + ") opts=\"" + joined(wordsAfter(verb)) + "\" ;;\n";
  }
  arms += std::string("  ") + kHelpVerb + ") opts=\"" + joined(verbs) + "\" ;;\n";
  std::vector<std::string> common;
  CommonOptions scratch;
  addLongNames(common, commonOptions(scratch));
  return arms + "  *) opts=\"" + joined(common) + "\" ;;\n";
}

// The `case $prev` arms: one per distinct offer, naming every option that gets it
// ("-f|--file|-o|--output) _files"). `offerOf` spells an offer in the shell's words.
std::string valueArms(std::string (*offerOf)(const ValueCompletion&)) {
  std::vector<std::pair<std::string, std::string>> arms;  // offer, options
  for (const ValueCompletion& value : kValueCompletions) {
    const std::string offer = offerOf(value);
    auto arm =
        std::find_if(arms.begin(), arms.end(), [&](const auto& a) { return a.first == offer; });
    if (arm == arms.end()) arm = arms.insert(arms.end(), {offer, ""});
    arm->second += (arm->second.empty() ? "" : "|") + optionPattern(value.option);
  }
  std::string text;
  for (const auto& [offer, options] : arms)
    text += "    " + options + ") " + offer + "; return ;;\n";
  return text;
}

// The actions to offer after -a: those of the experiment file named by -f/--file anywhere on
// the line (`handler run --list-actions`), else the ones the controller calls.
constexpr char kControllerActions[] = "start loop finish rollback";

std::string bashActionsFunction() {
  return std::string(
             "_handler_actions() {\n"
             "  local i file=\n"
             "  for ((i = 1; i + 1 < ${#COMP_WORDS[@]}; i++)); do\n"
             "    [[ ${COMP_WORDS[i]} == -f || ${COMP_WORDS[i]} == --file ]] && "
             "file=${COMP_WORDS[i+1]}\n"
             "  done\n"
             "  file=${file/#\\~/$HOME}\n"
             "  if [[ -n $file && -f $file ]]; then\n"
             "    \"${COMP_WORDS[0]}\" run --list-actions -f \"$file\" 2>/dev/null\n"
             "  else\n"
             "    echo ") +
         kControllerActions +
         "\n"
         "  fi\n"
         "}\n";
}

std::string zshActionsFunction() {
  return std::string(
             "_handler_actions() {\n"
             "  local i=${words[(I)(-f|--file)]}\n"
             "  if (( i )) && [[ -f ${~words[i+1]} ]]; then\n"
             "    ${words[1]} run --list-actions -f ${~words[i+1]} 2>/dev/null\n"
             "  else\n"
             "    print -l ") +
         kControllerActions +
         "\n"
         "  fi\n"
         "}\n";
}

std::string bashOffer(const ValueCompletion& value) {
  if (value.offer == Offer::kActions) {
    return "COMPREPLY=($(compgen -W \"$(_handler_actions)\" -- \"$cur\"))";
  }
  const std::string compgen = value.offer == Offer::kWords
                                  ? std::string("-W \"") + value.words + "\""
                              : value.offer == Offer::kFiles ? "-f"
                                                             : "-d";
  return "COMPREPLY=($(compgen " + compgen + " -- \"$cur\"))";
}

std::string zshOffer(const ValueCompletion& value) {
  if (value.offer == Offer::kActions) return "compadd -- ${(f)\"$(_handler_actions)\"}";
  return value.offer == Offer::kWords   ? std::string("compadd -- ") + value.words
         : value.offer == Offer::kFiles ? "_files"
                                        : "_files -/";
}

// The libraries and tasks the handler finds, from its own `plugins` listing (library lines
// start with the name, task lines with two spaces); `handler` is the shell's word for it.
std::string pluginNames(const std::string& handler) {
  return "\"$(" + handler +
         " plugins 2>/dev/null | awk '/^  /{print $1} /^[a-z]/ && !/^error:/{print $1}')\"";
}

std::string firstWords() {
  std::vector<std::string> words = verbsOf(commandTable());
  words.push_back(kHelpVerb);
  return joined(words);
}

std::string bashScript() {
  return "# bash completion for the iter8 handler (generated by `handler completion bash`)\n" +
         bashActionsFunction() +
         "_handler() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts\n"
         "  if (( COMP_CWORD == 1 )); then\n"
         "    COMPREPLY=($(compgen -W \"" +
         firstWords() +
         "\" -- \"$cur\"))\n"
         "    return\n"
         "  fi\n"
         "  if [[ ${COMP_WORDS[1]} == plugins && $prev == describe ]]; then\n"
         "    COMPREPLY=($(compgen -W " +
         pluginNames("\"${COMP_WORDS[0]}\"") +
         " -- \"$cur\"))\n"
         "    return\n"
         "  fi\n"
         "  case $prev in\n" +
         valueArms(bashOffer) +
         "  esac\n"
         "  case ${COMP_WORDS[1]} in\n" +
         verbArms() +
         "  esac\n"
         "  COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
         "}\n"
         "complete -F _handler handler\n";
}

std::string zshScript() {
  return "#compdef handler\n"
         "# zsh completion for the iter8 handler (generated by `handler completion zsh`)\n" +
         zshActionsFunction() +
         "_handler() {\n"
         "  if (( CURRENT == 2 )); then\n"
         "    compadd -- " +
         firstWords() +
         "\n"
         "    return\n"
         "  fi\n"
         "  local opts\n"
         "  if [[ ${words[2]} == plugins && ${words[CURRENT-1]} == describe ]]; then\n"
         "    compadd -- ${(f)" +
         pluginNames("${words[1]}") +
         "}\n"
         "    return\n"
         "  fi\n"
         "  case ${words[2]} in\n" +
         verbArms() +
         "  esac\n"
         "  case ${words[CURRENT-1]} in\n" +
         valueArms(zshOffer) +
         "  esac\n"
         "  compadd -- ${=opts}\n"
         "}\n"
         "compdef _handler handler\n";
}

}  // namespace

std::string completionScript(const std::string& shell) {
  return shell == "zsh" ? zshScript() : bashScript();
}

}  // namespace iter8
