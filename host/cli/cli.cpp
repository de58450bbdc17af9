// Parses the command line against the command table (command_table.h): the verb picks a row,
// its options are parsed, and its finish step takes the operands and checks the rest.
#include "host/cli/cli.h"

#include <cstdlib>
#include <sstream>

#include <boost/program_options.hpp>

#include "host/cli/cli_help.h"
#include "host/cli/command_table.h"
#include "host/log.h"
#include "lib/suggest.h"

namespace po = boost::program_options;

namespace iter8 {
namespace {

std::string helpOf(const std::string& usage, const po::options_description& options) {
  std::ostringstream text;
  text << usage << "\n" << options;
  return text.str();
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
    throw UsageError("unknown command '" + verb + "'" + didYouMean(verb, verbs) + "; expected " +
                     joinOr(verbs) + " (see --help)");
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
  throw UsageError("handler " + std::string(selected.verb) + ": unknown subcommand '" +
                   operands[0] + "'" + didYouMean(operands[0], subVerbs) + "; expected " +
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
    throw UsageError("handler " + verb + ": unrecognised option '" + typed + "'" +
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
    throw UsageError("handler " + verb + ": --log-level '" + command.common.logLevel +
                     "' is not a log level; expected trace, debug, info, warning or error");
  }
  applyEnvironment(command.common);
  command.run.terminationLogGiven = values.count("termination-log") > 0;
  const CommandSpec& row = resolveSubVerb(selected, operands);
  row.finish(row, operands, command);
  command.spec = &row;
  return command;
}

}  // namespace iter8
