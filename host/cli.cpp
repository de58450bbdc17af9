#include "host/cli.h"

#include <cstdlib>
#include <sstream>

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace iter8 {
namespace {

const char* kUsage =
    "Usage: handler <command> [options]\n"
    "\n"
    "Runs the tasks of one action of an Iter8 experiment.\n"
    "\n"
    "Commands:\n"
    "  run -a ACTION [-f FILE]      run an action (from a local file, or the cluster)\n"
    "  plugins                      list plugins found, their tasks, and load errors\n"
    "  plugins describe LIB[/TASK]  print a task's description and input schema\n"
    "  plugins check FILE.so        run the loader's checks on one plugin file\n"
    "  version                      print the handler and plugin ABI versions\n"
    "\n"
    "Run 'handler <command> --help' for the options of a command.\n";

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

po::options_description runOptions(RunOptions& run) {
  po::options_description options("Run options");
  options.add_options()("action,a", po::value(&run.action)->required(),
                        "the action to run: start, loop, finish, rollback, ...")(
      "file,f", po::value(&run.file),
      "read the experiment from this YAML or JSON file instead of the cluster")(
      "output,o", po::value(&run.output),
      "with -f: write status updates to this file instead of back into FILE")(
      "secrets-dir", po::value(&run.secretsDir),
      "with -f: folder of Kubernetes Secret manifests that tasks may read")(
      "termination-log", po::value(&run.terminationLog),
      "file for the failure message the controller reads (default /dev/termination-log)")(
      "dry-run", po::bool_switch(&run.dryRun),
      "resolve and validate every task of the action; run none")(
      "name", po::value(&run.name), "experiment name in the cluster (default $EXPERIMENT_NAME)")(
      "namespace", po::value(&run.ns),
      "experiment namespace in the cluster (default $EXPERIMENT_NAMESPACE)")(
      "kubeconfig", po::value(&run.kubeconfig),
      "kubeconfig file (default: $KUBECONFIG, else the in-cluster service account, else "
      "~/.kube/config)")("context", po::value(&run.context),
                         "kubeconfig context to use (default: its current-context)")(
      "api-deadline", po::value(&run.apiDeadline),
      "total time one Kubernetes API call may take, retries included "
      "(Go duration; default 60s)")(
      "isolation", po::value(&run.isolation),
      "process: run each task in a supervised child process (default); none: in the handler "
      "itself, for debugging (default: $ITER8_ISOLATION)")(
      "task-timeout", po::value(&run.taskTimeout),
      "time limit of each task (Go duration; default: $ITER8_TASK_TIMEOUT, else none)");
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

}  // namespace

Command parseCommandLine(int argc, const char* const argv[]) {
  Command command;
  if (const char* level = std::getenv("LOG_LEVEL"); level != nullptr && *level != '\0') {
    command.common.logLevel = level;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    command.helpText = kUsage;
    return command;
  }
  std::string verb = args[0];
  args.erase(args.begin());

  po::options_description options = commonOptions(command.common);
  std::string usage;
  std::vector<std::string> positional;
  if (verb == "run") {
    command.kind = Command::Kind::kRun;
    options.add(runOptions(command.run));
    usage = "Usage: handler run -a ACTION [-f FILE] [options]";
  } else if (verb == "plugins") {
    command.kind = Command::Kind::kPluginsList;
    usage =
        "Usage: handler plugins [options]\n"
        "       handler plugins describe LIBRARY[/TASK] [options]\n"
        "       handler plugins check FILE.so";
  } else if (verb == "version" || verb == "--version") {
    command.kind = Command::Kind::kVersion;
    usage = "Usage: handler version";
  } else {
    throw UsageError("unknown command '" + verb +
                     "'; expected run, plugins or version (see --help)");
  }

  po::options_description hidden;
  hidden.add_options()("args", po::value(&positional));
  po::positional_options_description positionals;
  positionals.add("args", -1);
  po::options_description all;
  all.add(options).add(hidden);

  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positionals).run(), values);
    if (values.count("help")) {
      command.kind = Command::Kind::kHelp;
      command.helpText = helpOf(usage, options);
      return command;
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(std::string("handler ") + verb + ": " + e.what() + " (see 'handler " + verb +
                     " --help')");
  }
  applyEnvironment(command.common);
  if (const char* env = std::getenv("ITER8_ISOLATION"); env && command.run.isolation.empty())
    command.run.isolation = env;
  if (const char* env = std::getenv("ITER8_TASK_TIMEOUT"); env && command.run.taskTimeout.empty())
    command.run.taskTimeout = env;
  command.run.terminationLogGiven = values.count("termination-log") > 0;

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
    } else {
      throw UsageError("handler plugins: expected 'describe LIBRARY[/TASK]' or 'check FILE.so'");
    }
  } else if (!positional.empty()) {
    throw UsageError("handler " + verb + ": unexpected argument '" + positional[0] + "'");
  }
  if (command.kind == Command::Kind::kRun) {
    if (!command.run.file.empty() && (!command.run.name.empty() || !command.run.ns.empty())) {
      throw UsageError("handler run: --name/--namespace select a cluster experiment; not with -f");
    }
    if (!command.run.file.empty() &&
        (!command.run.kubeconfig.empty() || !command.run.context.empty() ||
         !command.run.apiDeadline.empty())) {
      throw UsageError(
          "handler run: --kubeconfig, --context and --api-deadline are for the cluster; not with "
          "-f");
    }
    if (command.run.file.empty() &&
        (!command.run.output.empty() || !command.run.secretsDir.empty())) {
      throw UsageError("handler run: --output and --secrets-dir need -f FILE");
    }
  }
  return command;
}

}  // namespace iter8
