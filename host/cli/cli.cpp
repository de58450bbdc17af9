#include "host/cli/cli.h"

#include <cstdlib>
#include <sstream>

#include <boost/program_options.hpp>

#include "host/cli/cli_help.h"
#include "iter8/plugin_api.h"
#include "iter8_version.h"
#include "lib/suggest.h"

namespace po = boost::program_options;

namespace iter8 {
namespace {

po::options_description commonOptions(CommonOptions& common) {
  po::options_description options("Common options");
  options.add_options()("help,h", "show this help")(
      "plugins-dir", po::value(&common.pluginDirs)->composing(),
      "folder of task plugins (*.so); repeatable. Default: $ITER8_PLUGINS_DIR "
      "(colon-separated), else lib/iter8/plugins beside the binary")(
      "log-level", po::value(&common.logLevel),
      "trace, debug, info, warning or error, any case; fatal and panic mean error "
      "(default: $LOG_LEVEL, else info; an unknown level warns and keeps info)");
  return options;
}

// -f, or --name/--namespace and the kubeconfig options: which experiment (run and report).
void addExperimentOptions(po::options_description& options, RunOptions& run) {
  options.add_options()("file,f", po::value(&run.file),
                        "read the experiment from this YAML or JSON file instead of the cluster")(
      "name", po::value(&run.name), "experiment name in the cluster (default $EXPERIMENT_NAME)")(
      "namespace", po::value(&run.ns),
      "experiment namespace in the cluster (default $EXPERIMENT_NAMESPACE)")(
      "kubeconfig", po::value(&run.kubeconfig),
      "kubeconfig file (default: $KUBECONFIG, else the in-cluster service account, else "
      "~/.kube/config)")("context", po::value(&run.context),
                         "kubeconfig context to use (default: its current-context)")(
      "api-deadline", po::value(&run.apiDeadline),
      "total time one Kubernetes API call may take, retries included "
      "(Go duration; default 60s)");
}

po::options_description runOptions(RunOptions& run) {
  po::options_description options("Run options");
  options.add_options()("action,a", po::value(&run.action)->required(),
                        "the action to run: start, loop, finish, rollback, ...")(
      "output,o", po::value(&run.output),
      "with -f: write status updates to this file instead of back into FILE")(
      "secrets-dir", po::value(&run.secretsDir),
      "with -f: folder of Kubernetes Secret manifests that tasks may read")(
      "termination-log", po::value(&run.terminationLog),
      "file for the failure message the controller reads (default /dev/termination-log)")(
      "dry-run", po::bool_switch(&run.dryRun),
      "resolve and validate every task of the action; run none")(
      "strict", po::bool_switch(&run.strict),
      "unknown task inputs are errors, not warnings (also: ITER8_STRICT=1)")(
      "isolation", po::value(&run.isolation),
      "process: run each task in a supervised child process (default); none: in the handler "
      "itself, for debugging (default: $ITER8_ISOLATION)")(
      "task-timeout", po::value(&run.taskTimeout),
      "time limit of each task (Go duration; default: $ITER8_TASK_TIMEOUT, else none)");
  addExperimentOptions(options, run);
  return options;
}

po::options_description reportOptions(Command& command) {
  po::options_description options("Report options");
  options.add_options()("format", po::value(&command.report.format),
                        "table (default), json or html")(
      "output,o", po::value(&command.report.output), "write the report to this file, not stdout");
  addExperimentOptions(options, command.run);
  return options;
}

po::options_description pluginsOptions(Command& command) {
  po::options_description options("Plugins options");
  options.add_options()("json", po::bool_switch(&command.json),
                        "machine-readable output: the list, or describe's raw input schema");
  return options;
}

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

void checkExperimentSelection(const std::string& verb, const RunOptions& run) {
  if (!run.file.empty() && (!run.name.empty() || !run.ns.empty())) {
    throw UsageError("handler " + verb + ": --name/--namespace select a cluster experiment; not " +
                     "with -f");
  }
  if (!run.file.empty() &&
      (!run.kubeconfig.empty() || !run.context.empty() || !run.apiDeadline.empty())) {
    throw UsageError("handler " + verb +
                     ": --kubeconfig, --context and --api-deadline are for the cluster; not with "
                     "-f");
  }
}

}  // namespace

namespace {

// The command a verb names: its kind, its options (added to `options`) and its help text.
std::string selectCommand(const std::string& verb, const std::vector<std::string>& args,
                          Command& command, po::options_description& options) {
  if (verb == "run") {
    command.kind = Command::Kind::kRun;
    options.add(runOptions(command.run));
    return runHelp();
  }
  if (verb == "report") {
    command.kind = Command::Kind::kReport;
    options.add(reportOptions(command));
    return reportHelp();
  }
  if (verb == "plugins") {
    command.kind = Command::Kind::kPluginsList;
    options.add(pluginsOptions(command));
    const bool describe = !args.empty() && args[0] == "describe";
    const bool check = !args.empty() && args[0] == "check";
    return describe ? pluginsDescribeHelp() : check ? pluginsCheckHelp() : pluginsHelp();
  }
  if (verb == "completion") {
    command.kind = Command::Kind::kCompletion;
    return completionHelp();
  }
  if (verb == "version" || verb == "--version") {
    command.kind = Command::Kind::kVersion;
    return "Usage: handler version\n\nPrints the handler's version and its plugin ABI version.\n\n"
           "Example:\n  handler version   # handler " ITER8_VERSION " (plugin ABI " +
           std::to_string(ITER8_ABI_MAJOR) + "." + std::to_string(ITER8_ABI_MINOR) + ")\n";
  }
  throw UsageError("unknown command '" + verb + "'" +
                   didYouMean(verb, {"run", "report", "plugins", "completion", "version"}) +
                   "; expected run, report, plugins, completion or version (see --help)");
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

// Options that default to environment variables when the command line leaves them out.
void applyRunEnvironment(RunOptions& run) {
  if (const char* env = std::getenv("ITER8_ISOLATION"); env && run.isolation.empty())
    run.isolation = env;
  if (const char* env = std::getenv("ITER8_TASK_TIMEOUT"); env && run.taskTimeout.empty())
    run.taskTimeout = env;
}

// The positional arguments: `plugins describe|check|list ...`, `completion bash|zsh`; none
// for the other commands.
void readPositional(const std::string& verb, const std::vector<std::string>& positional,
                    Command& command) {
  if (command.kind == Command::Kind::kPluginsList && !positional.empty()) {
    const std::string& sub = positional[0];
    if (sub == "describe" && positional.size() == 2) {
      command.kind = Command::Kind::kPluginsDescribe;
      command.target = positional[1];
    } else if (sub == "check" && positional.size() == 2) {
      command.kind = Command::Kind::kPluginsCheck;
      command.target = positional[1];
    } else if (sub == "list" && positional.size() == 1) {
      // same as plain `handler plugins`
    } else if (sub == "describe" || sub == "check") {
      throw UsageError("handler plugins " + sub + ": expected one argument, " +
                       (sub == "describe" ? "LIBRARY[/TASK]" : "FILE.so") +
                       " (see 'handler plugins " + sub + " --help')");
    } else {
      throw UsageError("handler plugins: unknown subcommand '" + sub + "'" +
                       didYouMean(sub, {"describe", "check", "list"}) +
                       "; expected 'describe LIBRARY[/TASK]' or 'check FILE.so'");
    }
  } else if (command.kind == Command::Kind::kCompletion) {
    if (positional.size() != 1 || (positional[0] != "bash" && positional[0] != "zsh")) {
      throw UsageError(
          "handler completion: expected one argument, bash or zsh" +
          (positional.empty() ? std::string() : didYouMean(positional[0], {"bash", "zsh"})));
    }
    command.target = positional[0];
  } else if (!positional.empty()) {
    throw UsageError("handler " + verb + ": unexpected argument '" + positional[0] + "'");
  }
}

// Rules across options: where the experiment comes from, what needs -f, a known format.
void checkCombinations(const std::string& verb, const Command& command) {
  if (command.kind == Command::Kind::kRun) {
    checkExperimentSelection(verb, command.run);
    if (command.run.file.empty() &&
        (!command.run.output.empty() || !command.run.secretsDir.empty())) {
      throw UsageError("handler run: --output and --secrets-dir need -f FILE");
    }
  }
  if (command.kind == Command::Kind::kReport) {
    checkExperimentSelection(verb, command.run);
    const std::string& f = command.report.format;
    if (f != "table" && f != "json" && f != "html") {
      throw UsageError("handler report: --format '" + f + "'" +
                       didYouMean(f, {"table", "json", "html"}) + "; expected table, json or html");
    }
  }
}

}  // namespace

Command parseCommandLine(int argc, const char* const argv[]) {
  Command command;
  if (const char* level = std::getenv("LOG_LEVEL"); level != nullptr && *level != '\0') {
    command.common.logLevel = level;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.size() < 2 || args[0] != "help") {
      command.helpText = mainHelp();
      return command;
    }
    args = {args[1], "--help"};  // `handler help run` = `handler run --help`
  }
  const std::string verb = args[0];
  args.erase(args.begin());

  po::options_description options = commonOptions(command.common);
  const std::string usage = selectCommand(verb, args, command, options);
  std::vector<std::string> positional;
  po::variables_map values = parseOptions(verb, args, options, positional);
  if (values.count("help")) {
    command.kind = Command::Kind::kHelp;
    command.helpText = helpOf(usage, options);
    return command;
  }
  applyEnvironment(command.common);
  applyRunEnvironment(command.run);
  command.run.terminationLogGiven = values.count("termination-log") > 0;
  readPositional(verb, positional, command);
  checkCombinations(verb, command);
  return command;
}

}  // namespace iter8
