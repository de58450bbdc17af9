// Parses the command line against the command table (command_table.h): the verb picks a row,
// its options are parsed, and its finish step takes the operands and checks the rest.
#include "host/cli/cli.h"
#include "lib/text.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "host/cli/cli_help.h"
#include "host/cli/command_table.h"
#include "host/log.h"
#include "lib/suggest.h"

namespace po = boost::program_options;

namespace iter8 {
namespace {

// What an option's value is, for help: `--file FILE`, not boost's `--file arg`.
std::string valueName(const std::string& longName) {
  static const std::map<std::string, std::string> kNames = {{"file", "FILE"},
                                                            {"output", "FILE"},
                                                            {"termination-log", "FILE"},
                                                            {"kubeconfig", "FILE"},
                                                            {"plugins-dir", "DIR"},
                                                            {"secrets-dir", "DIR"},
                                                            {"api-deadline", "DURATION"},
                                                            {"task-timeout", "DURATION"},
                                                            {"log-level", "LEVEL"},
                                                            {"isolation", "MODE"}};
  if (auto it = kNames.find(longName); it != kNames.end()) return it->second;
  std::string name = longName;
  for (char& c : name) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

// "-f [ --file ] arg" as "-f, --file FILE" and "--strict" as "    --strict" (GNU's layout).
std::string conventionalNames(const std::string& names) {
  static const std::regex kBoth(R"(^-(\w) \[ --([\w-]+) \]( arg)?$)");
  static const std::regex kLong(R"(^--([\w-]+)( arg)?$)");
  std::smatch m;
  if (std::regex_match(names, m, kBoth)) {
    return "-" + m[1].str() + ", --" + m[2].str() + (m[3].matched ? " " + valueName(m[2]) : "");
  }
  if (std::regex_match(names, m, kLong)) {
    return "    --" + m[1].str() + (m[2].matched ? " " + valueName(m[1]) : "");
  }
  return names;
}

// Boost's option listing in the conventions of the tools people use: named values, and one
// description column (wide enough for the longest name) that wrapped lines follow.
std::string helpOf(const std::string& usage, const po::options_description& options) {
  std::ostringstream boostText;
  boostText << options;
  struct Line {
    std::string names, text;  // names empty: a caption, a blank or a wrapped description line
  };
  std::vector<Line> lines;
  size_t width = 0;
  std::istringstream in(boostText.str());
  for (std::string line; std::getline(in, line);) {
    const size_t gap = line.find("  ", 2);
    if (line.rfind("  -", 0) != 0 || gap == std::string::npos) {
      size_t start = line.find_first_not_of(' ');
      bool wrapped = start != std::string::npos && start > 2 && !lines.empty();
      lines.push_back({"", wrapped ? line.substr(start) : line});
      if (wrapped) lines.back().names = "\n";  // marks a wrapped line
      continue;
    }
    std::string names = conventionalNames(line.substr(2, gap - 2));
    width = std::max(width, names.size());
    lines.push_back({names, line.substr(line.find_first_not_of(' ', gap))});
  }
  std::string text = usage + "\n";
  for (const Line& l : lines) {
    if (l.names.empty()) {
      text += l.text + "\n";
    } else if (l.names == "\n") {
      text += std::string(width + 4, ' ') + l.text + "\n";
    } else {
      text += "  " + l.names + std::string(width - l.names.size() + 2, ' ') + l.text + "\n";
    }
  }
  return text;
}

void applyEnvironment(CommonOptions& common) {
  if (common.pluginDirs.empty()) {
    if (const char* env = std::getenv("ITER8_PLUGINS_DIR"); env != nullptr && *env != '\0') {
      std::stringstream dirs(env);
      for (std::string dir; std::getline(dirs, dir, ':');) {
        if (!dir.empty()) common.pluginDirs.push_back(dir);
      }
    }
  }
}

std::vector<std::string> longNames(const po::options_description& options) {
  std::vector<std::string> names;
  for (const auto& option : options.options()) names.push_back("--" + option->long_name());
  return names;
}

// The row a verb names, before parsing: its options are parsed, and `plugins describe --help`
// shows describe's help. Only a sub-verb right after the verb counts here.
const CommandSpec& selectCommand(const std::string& verb, const std::vector<std::string>& args) {
  // --version: how most tools spell it, so the handler accepts it too.
  const CommandSpec* row =
      findCommand(verb == "--version" ? "version" : verb, args.empty() ? std::string() : args[0]);
  if (row == nullptr) {
    const std::vector<std::string> verbs = verbsOf(commandTable());
    throw UsageError("unknown command " + quoteValue(verb) + didYouMean(verb, verbs) +
                     "; expected " + joinOr(verbs) + " (see --help)");
  }
  return *row;
}

// The row the operands name: a sub-verb may come after options too (`plugins --json describe
// X`). Removes the sub-verb from `operands`.
const CommandSpec& resolveSubVerb(const CommandSpec& selected, std::vector<std::string>& operands) {
  const std::vector<const CommandSpec*> rows = subVerbRows(selected.verb);
  if (rows.empty() || operands.empty()) return selected;
  std::vector<std::string> subVerbs;
  std::vector<std::string> withOperand;  // what a word after the verb most likely meant
  for (const CommandSpec* row : rows) {
    if (operands[0] == row->subVerb) {
      operands.erase(operands.begin());
      return *row;
    }
    subVerbs.push_back(row->subVerb);
    if (row->operand != nullptr) {
      withOperand.push_back("'" + subVerbs.back() + " " + row->operand + "'");
    }
  }
  throw UsageError("handler " + std::string(selected.verb) + ": unknown subcommand " +
                   quoteValue(operands[0]) + didYouMean(operands[0], subVerbs) + "; expected " +
                   joinOr(withOperand));
}

// Parses `args` against `options` plus positional arguments; UsageError says what is wrong,
// with the closest option name.
po::variables_map parseOptions(const std::string& verb, const std::vector<std::string>& args,
                               const po::options_description& options,
                               std::vector<std::string>& positional) {
  po::options_description hidden;
  hidden.add_options()("args", po::value(&positional));
  po::positional_options_description positionals;
  positionals.add("args", -1);
  po::options_description all;
  all.add(options).add(hidden);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positionals).run(), values);
    if (values.count("help") == 0) po::notify(values);
  } catch (const po::unknown_option& e) {
    std::string typed = e.get_option_name();
    throw UsageError("handler " + verb + ": unrecognised option " + quoteValue(typed) +
                     didYouMean(typed, longNames(options)) + " (see 'handler " + verb +
                     " --help')");
  } catch (const po::error& e) {
    throw UsageError(std::string("handler ") + verb + ": " + e.what() + " (see 'handler " + verb +
                     " --help')");
  }
  return values;
}

}  // namespace

Command parseCommandLine(int argc, const char* const argv[]) {
  Command command;
  if (const char* level = std::getenv("LOG_LEVEL"); level != nullptr && *level != '\0') {
    command.common.logLevel = level;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == kHelpVerb) {
    if (args.size() < 2 || args[0] != kHelpVerb) {
      command.helpText = mainHelp();
      return command;
    }
    args = {args[1], "--help"};  // `handler help run` = `handler run --help`
  }
  const std::string verb = args[0];
  args.erase(args.begin());

  const CommandSpec& selected = selectCommand(verb, args);
  po::options_description options = optionsOf(selected, command);
  std::vector<std::string> operands;
  po::variables_map values = parseOptions(verb, args, options, operands);
  if (values.count("help")) {
    command.helpText = helpOf(selected.help(), options);
    return command;
  }
  // LOG_LEVEL (set by the controller) only warns, as the original; an option typed by a person
  // is a mistake to say now.
  spdlog::level::level_enum level;
  if (values.count("log-level") && !parseLogLevel(command.common.logLevel, level)) {
    throw UsageError("handler " + verb + ": --log-level " + quoteValue(command.common.logLevel) +
                     " is not a log level; expected trace, debug, info, warning or error");
  }
  applyEnvironment(command.common);
  command.run.terminationLogGiven = values.count("termination-log") > 0;
  const CommandSpec& row = resolveSubVerb(selected, operands);
  row.finish(row, operands, command);
  command.spec = &row;
  return command;
}

}  // namespace iter8
