// The command table (host/cli/command_table.h) against everything generated from it: every
// verb in the main help and both completion scripts, every option of every command in its
// --help and in both scripts, nothing in the scripts that no command has, scripts the shells
// accept, typos of verbs answered with the nearest verb (exit 2). Expectations are read from
// the table, so a new row or option is covered without editing this file.
#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/program_options.hpp>

#include "host/cli/cli.h"
#include "host/cli/cli_help.h"
#include "host/cli/command_table.h"
#include "host/cli/completion.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

namespace po = boost::program_options;
using test::runProcess;
using test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// `handler <words...>` parsed as main() would.
Command parse(std::vector<std::string> words) {
  words.insert(words.begin(), "handler");
  std::vector<const char*> argv;
  for (const std::string& word : words) argv.push_back(word.c_str());
  return parseCommandLine(static_cast<int>(argv.size()), argv.data());
}

// The words that name a row: `plugins describe`.
std::vector<std::string> wordsOf(const CommandSpec& row) {
  std::vector<std::string> words{row.verb};
  if (row.subVerb != nullptr) words.push_back(row.subVerb);
  return words;
}

// The long names (--file) of every option the row accepts, common ones included.
std::vector<std::string> longNamesOf(const CommandSpec& row) {
  Command scratch;
  const po::options_description options = optionsOf(row, scratch);
  std::vector<std::string> names;
  for (const auto& option : options.options()) names.push_back("--" + option->long_name());
  return names;
}

std::set<std::string> splitWords(const std::string& text) {
  std::istringstream in(text);
  std::set<std::string> words;
  for (std::string word; in >> word;) words.insert(word);
  return words;
}

// The words of `verb`'s arm in a script's `case`: `  run) opts="..." ;;`.
std::set<std::string> armWords(const std::string& script, const std::string& verb) {
  const std::string start = "\n  " + verb + ") opts=\"";
  const size_t at = script.find(start);
  if (at == std::string::npos) return {};
  const size_t from = at + start.size();
  return splitWords(script.substr(from, script.find('"', from) - from));
}

// What bash's completion offers after `handler <words...> ` (the script's function, run).
std::set<std::string> bashOffers(const std::string& scriptFile,
                                 const std::vector<std::string>& words) {
  std::string compWords = "handler";
  for (const std::string& word : words) compWords += " " + word;
  auto r = runProcess({"bash", "-c",
                       "source " + scriptFile + " && COMP_WORDS=(" + compWords +
                           " '') COMP_CWORD=" + std::to_string(words.size() + 1) +
                           " && _handler && printf '%s\\n' \"${COMPREPLY[@]}\""});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  return splitWords(r.out);
}

TEST(CliTable, EachCommandsWordsParseToItsRow) {
  for (const CommandSpec& row : commandTable()) {
    std::vector<std::string> words = wordsOf(row);
    const std::vector<std::string> choices = operandChoices(row);
    if (row.operand != nullptr) words.push_back(choices.empty() ? "x" : choices.front());
    Command scratch;
    const po::options_description options = optionsOf(row, scratch);
    for (const auto& option : options.options()) {
      if (option->semantic()->is_required()) {
        words.insert(words.end(), {"--" + option->long_name(), "x"});
      }
    }
    // run's -a is required unless --list-actions is given: finishRun checks it, not Boost.
    if (std::string(row.verb) == "run") words.insert(words.end(), {"-a", "x"});
    EXPECT_EQ(parse(words).spec, &row) << commandName(row);
  }
  const Command version = parse({"--version"});
  ASSERT_NE(version.spec, nullptr);
  EXPECT_STREQ(version.spec->verb, "version");
  EXPECT_EQ(parse({"--help"}).spec, nullptr);
}

// The parser picks the options before it knows the sub-verb (`plugins --json describe X`).
TEST(CliTable, RowsOfOneVerbShareTheirOptions) {
  for (const CommandSpec& row : commandTable()) {
    const CommandSpec* first = findCommand(row.verb, "");
    ASSERT_NE(first, nullptr) << commandName(row);
    EXPECT_EQ(row.options, first->options) << commandName(row) << " and " << commandName(*first);
  }
}

// A hidden command (collect-shard, started by a sharded metrics/collect) parses to its row but
// is no row of the table: not in the help, the completion scripts or "did you mean".
TEST(CliTable, AHiddenCommandParsesButIsNotListed) {
  const CommandSpec* shard = findCommand("collect-shard", "");
  ASSERT_NE(shard, nullptr);
  EXPECT_STREQ(shard->verb, "collect-shard");
  for (const CommandSpec& row : commandTable()) EXPECT_STRNE(row.verb, "collect-shard");
  const std::vector<std::string> verbs = verbsOf(commandTable());
  EXPECT_EQ(std::count(verbs.begin(), verbs.end(), "collect-shard"), 0);
  Command command = parse({"collect-shard", "--task", "t.json", "-f", "e.yaml", "--index", "3"});
  ASSERT_EQ(command.spec, shard);
  EXPECT_EQ(command.shard.task, "t.json");
  EXPECT_EQ(command.run.file, "e.yaml");
  EXPECT_EQ(command.shard.index, "3");
  EXPECT_THAT(completionScript("bash"), Not(HasSubstr("collect-shard")));
  EXPECT_THAT(completionScript("zsh"), Not(HasSubstr("collect-shard")));
}

TEST(CliTable, AnUnknownVerbSuggestsTheNearestAndExitsWith2) {
  const std::vector<std::string> verbs = verbsOf(commandTable());
  ASSERT_FALSE(verbs.empty());
  for (const std::string& verb : verbs) {
    ASSERT_GE(verb.size(), 3u) << verb;
    std::string typo = verb;
    std::swap(typo[1], typo[2]);  // one transposition: "run" -> "rnu"
    auto r = runProcess({test::handlerPath(), typo});
    EXPECT_EQ(r.exitCode, 2) << typo;
    EXPECT_THAT(r.err, HasSubstr("unknown command '" + typo + "' (did you mean `" + verb + "`?)"));
    for (const std::string& other : verbs) EXPECT_THAT(r.err, HasSubstr(other)) << "listed";
  }
}

TEST(Help, TheMainHelpListsEveryCommandOfTheTable) {
  const std::string help = mainHelp();
  for (const CommandSpec& row : commandTable()) {
    EXPECT_THAT(help, HasSubstr("\n  " + std::string(row.synopsis) + " ")) << commandName(row);
    EXPECT_EQ(std::string(row.synopsis).rfind(row.verb, 0), 0u) << "begins with its verb";
    if (row.subVerb != nullptr && &row != findCommand(row.verb, "")) {  // not `plugins`
      EXPECT_THAT(row.synopsis, HasSubstr(row.subVerb)) << commandName(row);
    }
    const std::string summary = row.summary;
    EXPECT_THAT(help, HasSubstr(summary.substr(0, summary.find(' ', 20)))) << commandName(row);
  }
  for (const std::string& verb : verbsOf(commandTable())) {
    EXPECT_THAT(help, HasSubstr("\n  " + verb)) << verb;
  }
}

TEST(Help, EveryOptionOfEveryCommandIsInItsHelp) {
  for (const CommandSpec& row : commandTable()) {
    std::vector<std::string> words = wordsOf(row);
    words.push_back("--help");
    const Command command = parse(words);
    EXPECT_EQ(command.spec, nullptr) << commandName(row);
    EXPECT_THAT(command.helpText, HasSubstr(row.help())) << commandName(row);
    Command scratch;
    const po::options_description options = optionsOf(row, scratch);
    for (const auto& option : options.options()) {
      // "-f, --file FILE" and "    --strict": the conventions of the tools people use.
      const std::string shortName =
          option->canonical_display_name(po::command_line_style::allow_dash_for_short);
      const std::string name =
          (shortName.size() == 2 && shortName[0] == '-' ? shortName + ", " : "    ") + "--" +
          option->long_name();
      EXPECT_THAT(command.helpText, HasSubstr("\n  " + name + " ")) << commandName(row);
    }
    EXPECT_THAT(command.helpText, Not(HasSubstr("[ --"))) << commandName(row);
    EXPECT_THAT(command.helpText, Not(HasSubstr(" arg "))) << commandName(row);
  }
}

TEST(Help, OptionsTakeNamedValuesInOneAlignedColumn) {
  const Command command = parse({"run", "--help"});
  EXPECT_THAT(command.helpText, HasSubstr("\n  -f, --file FILE "));
  EXPECT_THAT(command.helpText, HasSubstr("\n      --task-timeout DURATION "));
  EXPECT_THAT(command.helpText, HasSubstr("\n  -h, --help "));
  // Every description starts in one column.
  std::istringstream lines(command.helpText);
  std::set<size_t> columns;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  -", 0) != 0) continue;
    columns.insert(line.find_first_not_of(' ', line.find("  ", 2)));
  }
  EXPECT_EQ(columns.size(), 1u) << command.helpText;
}

TEST(Completion, BashOffersEveryVerbAndEveryOptionOfEachCommand) {
  TempDir dir;
  const std::string script = dir.write("handler.bash", completionScript("bash"));
  const std::set<std::string> first = bashOffers(script, {});
  for (const std::string& verb : verbsOf(commandTable())) EXPECT_EQ(first.count(verb), 1u) << verb;
  EXPECT_EQ(bashOffers(script, {kHelpVerb}).count("run"), 1u) << "help takes a command";
  for (const CommandSpec& row : commandTable()) {
    const std::set<std::string> offered = bashOffers(script, {row.verb});
    for (const std::string& name : longNamesOf(row)) {
      EXPECT_EQ(offered.count(name), 1u) << commandName(row) << " " << name;
    }
    if (row.subVerb != nullptr) {
      EXPECT_EQ(offered.count(row.subVerb), 1u) << commandName(row);
    }
    for (const std::string& choice : operandChoices(row)) {
      EXPECT_EQ(offered.count(choice), 1u) << commandName(row) << " " << choice;
    }
  }
}

// After `plugins describe`, the libraries and tasks the handler finds (its own `plugins`
// listing, so the names are those of the plugins installed).
TEST(Completion, BashOffersTaskNamesAfterPluginsDescribe) {
  TempDir dir;
  const std::string script = dir.write("handler.bash", completionScript("bash"));
  auto r = runProcess({"bash", "-c",
                       "source " + script + " && COMP_WORDS=(" + test::handlerPath() +
                           " plugins describe com) COMP_CWORD=3 && _handler && printf '%s\\n' "
                           "\"${COMPREPLY[@]}\""});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::set<std::string> offered = splitWords(r.out);
  EXPECT_EQ(offered.count("common"), 1u) << r.out;
  EXPECT_EQ(offered.count("common/exec"), 1u) << r.out;
  EXPECT_EQ(offered.count("metrics/collect"), 0u) << "only those matching what was typed";
}

// After -a, the actions of the file -f names (before or after -a), from the handler's own
// `run --list-actions`; without a file, the actions the controller calls.
TEST(Completion, BashOffersTheActionsOfTheFileAfterDashA) {
  TempDir dir;
  const std::string script = dir.write("handler.bash", completionScript("bash"));
  const std::string file = dir.write("e.yaml",
                                     "apiVersion: iter8.tools/v2alpha2\nkind: Experiment\n"
                                     "metadata: {name: e}\nspec:\n  strategy:\n    actions:\n"
                                     "      start: []\n      smoke: []\n      loop: []\n");
  auto offers = [&](const std::string& words, int cword) {
    auto r = runProcess({"bash", "-c",
                         "source " + script + " && COMP_WORDS=(" + test::handlerPath() + " " +
                             words + ") COMP_CWORD=" + std::to_string(cword) +
                             " && _handler && printf '%s\\n' \"${COMPREPLY[@]}\""});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return splitWords(r.out);
  };
  EXPECT_EQ(offers("run -f " + file + " -a s", 5), (std::set<std::string>{"smoke", "start"}));
  EXPECT_EQ(offers("run -a '' --file " + file, 3),
            (std::set<std::string>{"loop", "smoke", "start"}));
  EXPECT_EQ(offers("run -a ''", 3), (std::set<std::string>{"finish", "loop", "rollback", "start"}));

  auto listed = runProcess({test::handlerPath(), "run", "--list-actions", "-f", file});
  EXPECT_EQ(listed.exitCode, 0) << listed.err;
  EXPECT_EQ(listed.out, "start\nsmoke\nloop\n");
  auto missing = runProcess({test::handlerPath(), "run", "-f", file});
  EXPECT_EQ(missing.exitCode, 2);
  EXPECT_THAT(missing.err, HasSubstr("the option '--action' is required but missing"));
}

TEST(Completion, ZshOffersEveryVerbAndEveryOptionOfEachCommand) {
  const std::string script = completionScript("zsh");
  ASSERT_THAT(script, HasSubstr("#compdef handler\n"));
  const size_t first = script.find("compadd -- ");
  ASSERT_NE(first, std::string::npos);
  const std::set<std::string> verbs =
      splitWords(script.substr(first, script.find('\n', first) - first));
  for (const std::string& verb : verbsOf(commandTable())) EXPECT_EQ(verbs.count(verb), 1u) << verb;
  for (const CommandSpec& row : commandTable()) {
    const std::set<std::string> offered = armWords(script, row.verb);
    for (const std::string& name : longNamesOf(row)) {
      EXPECT_EQ(offered.count(name), 1u) << commandName(row) << " " << name;
    }
    if (row.subVerb != nullptr) {
      EXPECT_EQ(offered.count(row.subVerb), 1u) << commandName(row);
    }
  }
}

// The other direction: an option the scripts complete (an arm, or a value completion) that no
// command has any more is drift too.
TEST(Completion, ScriptsNameOnlyOptionsSomeCommandHas) {
  std::set<std::string> known;
  for (const CommandSpec& row : commandTable()) {
    for (const std::string& name : longNamesOf(row)) known.insert(name);
  }
  for (const char* shell : {"bash", "zsh"}) {
    std::string script = completionScript(shell);
    std::replace_if(
        script.begin(), script.end(), [](char c) { return c == '|' || c == ')' || c == '"'; }, ' ');
    size_t named = 0;
    for (const std::string& word : splitWords(script)) {
      if (word.rfind("--", 0) != 0 || word == "--") continue;  // `compadd -- words`
      ++named;
      EXPECT_EQ(known.count(word), 1u) << shell << " completes " << word;
    }
    EXPECT_GE(named, known.size()) << shell;
  }
}

TEST(Completion, TheBashScriptIsValidBash) {
  TempDir dir;
  auto r = runProcess({"bash", "-n", dir.write("handler.bash", completionScript("bash"))});
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST(Completion, TheZshScriptIsValidZsh) {
  if (std::system("command -v zsh >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "zsh is not installed: the zsh script's syntax is not checked";
  }
  TempDir dir;
  auto r = runProcess({"zsh", "-n", dir.write("_handler", completionScript("zsh"))});
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

}  // namespace
}  // namespace iter8
