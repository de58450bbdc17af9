#include "host/cli/command_table.h"
#include "lib/text.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <boost/program_options.hpp>

#include "host/cli/cli_help.h"
#include "host/cli/commands.h"
#include "host/cli/completion.h"
#include "host/cli/tool_versions.h"
#include "iter8/plugin_api.h"
#include "iter8_version.h"
#include "lib/suggest.h"

namespace po = boost::program_options;

namespace iter8 {
namespace {

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

// --plugins-dir, for the commands that load plugins (run and plugins) only: report, analyze,
// completion and version never open one, so their help does not offer it.
void addPluginDirsOption(po::options_description& options, CommonOptions& common) {
  options.add_options()("plugins-dir", po::value(&common.pluginDirs)->composing(),
                        "folder of task plugins (*.so); repeatable. Default: $ITER8_PLUGINS_DIR "
                        "(colon-separated), else lib/iter8/plugins beside the binary");
}

po::options_description runOptions(Command& command) {
  RunOptions& run = command.run;
  po::options_description options("Run options");
  addPluginDirsOption(options, command.common);
  // -a is required unless --list-actions is given (finishRun).
  options.add_options()("action,a", po::value(&run.action),
                        "the action to run: start, loop, finish, rollback, ...")(
      "list-actions", po::bool_switch(&run.listActions),
      "print the actions the experiment defines, one a line, and run none (shell completion "
      "of -a uses it)")("output,o", po::value(&run.output),
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
      "time limit of each task (Go duration; default: $ITER8_TASK_TIMEOUT, else none)")(
      "shards", po::value(&run.shards),
      "split the load of every metrics/collect that does not set with.shards over N shard "
      "processes, or pods in a cluster (docs/scale.md; default: $ITER8_SHARDS, else 1)")(
      "analyze", po::bool_switch(&run.analyze),
      "with -f: after the action, store the analysis the Iter8 controller would (see 'handler "
      "analyze --help')");
  addExperimentOptions(options, run);
  return options;
}

po::options_description reportOptions(Command& command) {
  po::options_description options("Report options");
  options.add_options()("format", po::value(&command.report.format),
                        "table (default), json or html")(
      "output,o", po::value(&command.report.output), "write the report to this file, not stdout")(
      "check", po::bool_switch(&command.report.check),
      "exit 0 when Iter8's verdict is a go, else 4, 6, 7 or 8 naming why (docs/report.md#check)")(
      "confidence", po::value(&command.report.confidence),
      "an interval at this level (e.g. 0.95) for each objective's value; one straddling its "
      "limit is inconclusive (off by default)");
  addExperimentOptions(options, command.run);
  return options;
}

po::options_description analyzeOptions(Command& command) {
  po::options_description options("Analyze options");
  options.add_options()("file,f", po::value(&command.run.file)->required(),
                        "the experiment, a YAML or JSON file with metrics/collect's results")(
      "output,o", po::value(&command.run.output),
      "write the analysed experiment to this file instead of back into FILE");
  return options;
}

po::options_description pluginsOptions(Command& command) {
  po::options_description options("Plugins options");
  addPluginDirsOption(options, command.common);
  options.add_options()("json", po::bool_switch(&command.json),
                        "machine-readable output: the list, or describe's raw input schema");
  return options;
}

void noOperands(const CommandSpec& row, const std::vector<std::string>& operands, Command&) {
  if (!operands.empty()) {
    throw UsageError("handler " + commandName(row) + ": unexpected argument " +
                     quoteValue(operands[0]));
  }
}

// One placeholder operand (LIBRARY[/TASK], FILE.so) into command.target.
void takeTarget(const CommandSpec& row, const std::vector<std::string>& operands,
                Command& command) {
  if (operands.size() != 1) {
    throw UsageError("handler " + commandName(row) + ": expected one argument, " + row.operand +
                     " (see 'handler " + commandName(row) + " --help')");
  }
  command.target = operands[0];
}

// One of the operand's choices (bash|zsh) into command.target.
void takeChoice(const CommandSpec& row, const std::vector<std::string>& operands,
                Command& command) {
  const std::vector<std::string> choices = operandChoices(row);
  if (operands.size() != 1 ||
      std::find(choices.begin(), choices.end(), operands[0]) == choices.end()) {
    throw UsageError("handler " + commandName(row) + ": expected one argument, " + joinOr(choices) +
                     (operands.empty() ? std::string() : didYouMean(operands[0], choices)));
  }
  command.target = operands[0];
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

// Options that default to environment variables when the command line leaves them out; then
// where the experiment comes from and what needs -f.
void finishRun(const CommandSpec& row, const std::vector<std::string>& operands, Command& command) {
  noOperands(row, operands, command);
  RunOptions& run = command.run;
  if (const char* env = std::getenv("ITER8_ISOLATION"); env && run.isolation.empty())
    run.isolation = env;
  if (const char* env = std::getenv("ITER8_TASK_TIMEOUT"); env && run.taskTimeout.empty())
    run.taskTimeout = env;
  checkExperimentSelection(row.verb, run);
  if (run.action.empty() && !run.listActions) {
    throw UsageError(
        "handler run: the option '--action' is required but missing (see 'handler run --help')");
  }
  if (run.file.empty() && (!run.output.empty() || !run.secretsDir.empty())) {
    throw UsageError("handler run: --output and --secrets-dir need -f FILE");
  }
  if (run.file.empty() && run.analyze) {
    throw UsageError(
        "handler run: --analyze needs -f FILE; in a cluster the controller owns status.analysis");
  }
}

void finishReport(const CommandSpec& row, const std::vector<std::string>& operands,
                  Command& command) {
  noOperands(row, operands, command);
  checkExperimentSelection(row.verb, command.run);
  const std::string& f = command.report.format;
  if (f != "table" && f != "json" && f != "html") {
    throw UsageError("handler report: --format " + quoteValue(f) +
                     didYouMean(f, {"table", "json", "html"}) + "; expected table, json or html");
  }
  const double level = command.report.confidence;
  if (level != 0 && !(level >= 0.5 && level < 1)) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", level);
    throw UsageError("handler report: --confidence " + std::string(text) +
                     "; expected a level from 0.5 to below 1, such as 0.95");
  }
}

po::options_description versionOptions(Command& command) {
  po::options_description options("Version options");
  options.add_options()("tools", po::bool_switch(&command.tools),
                        "also the versions of kubectl, git, curl and bash on PATH, and the API "
                        "server versions this kubectl supports");
  return options;
}

// The table. A new command is one row here (and its help text in cli_help.cpp); the parser,
// the main help and the completion scripts pick it up from the row. Laid out by hand, three
// lines a row: verb, sub-verb, synopsis, operand / summary / help, options, finish, run.
// clang-format off
const CommandSpec kCommands[] = {
    {"run", nullptr, "run -a ACTION [-f FILE]", nullptr,
     "run an action (from a local file, or the cluster)",
     runHelp, runOptions, finishRun, runCommand},
    {"report", nullptr, "report [-f FILE]", nullptr,
     "per-version latency, errors and the candidates' difference from the baseline (table, json "
     "or html)",
     reportHelp, reportOptions, finishReport, reportCommand},
    {"analyze", nullptr, "analyze -f FILE [-o FILE]", nullptr,
     "the Iter8 controller's analysis, offline: objectives, winner, recommended version",
     analyzeHelp, analyzeOptions, noOperands, analyzeCommand},
    {"plugins", "list", "plugins", nullptr,
     "list plugins found, their tasks, and load errors",
     pluginsHelp, pluginsOptions, noOperands, pluginsListCommand},
    {"plugins", "describe", "plugins describe LIB[/TASK]", "LIBRARY[/TASK]",
     "a task's inputs: name, type, default, description",
     pluginsDescribeHelp, pluginsOptions, takeTarget, pluginsDescribeCommand},
    {"plugins", "check", "plugins check FILE.so", "FILE.so",
     "run the loader's checks on one plugin file",
     pluginsCheckHelp, pluginsOptions, takeTarget, pluginsCheckCommand},
    {"completion", nullptr, "completion bash|zsh", "bash|zsh",
     "print a shell completion script",
     completionHelp, nullptr, takeChoice, completionCommand},
    {"version", nullptr, "version [--tools]", nullptr,
     "print the handler and plugin ABI versions (--tools: kubectl, git, curl, bash too)",
     versionHelp, versionOptions, noOperands, versionCommand},
};
// Rows that run but are never listed: not in the main help, the completion scripts or "did you
// mean". collect-shard and collect-shard-job are started by a sharded metrics/collect, not by
// people (docs/scale.md).
const CommandSpec kHiddenCommands[] = {
    {"collect-shard", nullptr, "collect-shard --task FILE -f FILE [--index N]", nullptr,
     "run one shard of a sharded metrics/collect",
     collectShardHelp, collectShardOptions, finishCollectShard, collectShardCommand},
    {"collect-shard-job", nullptr, "collect-shard-job --task FILE [--timeout SECONDS]", nullptr,
     "run the shards of a sharded metrics/collect as an Indexed Job",
     collectShardJobHelp, collectShardJobOptions, noOperands, collectShardJobCommand},
};
// clang-format on

}  // namespace

int completionCommand(const Command& command) {
  std::cout << completionScript(command.target);
  return 0;
}

int versionCommand(const Command& command) {
  std::cout << "handler " << ITER8_VERSION << " (plugin ABI " << ITER8_ABI_MAJOR << "."
            << ITER8_ABI_MINOR << ")\n";
  if (command.tools) std::cout << toolVersionsText();
  return 0;
}

std::string joinOr(const std::vector<std::string>& words) {
  std::string text;
  for (size_t i = 0; i < words.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  }
  return text;
}

po::options_description commonOptions(CommonOptions& common) {
  po::options_description options("Common options");
  options.add_options()("help,h", "show this help")(
      "log-level", po::value(&common.logLevel),
      "trace, debug, info, warning or error, any case; fatal and panic mean error "
      "(default: $LOG_LEVEL, else info; an unknown $LOG_LEVEL warns and keeps info)");
  return options;
}

CommandTable commandTable() {
  return {kCommands, sizeof kCommands / sizeof kCommands[0]};
}

std::string commandName(const CommandSpec& row) {
  return std::string(row.verb) + (row.subVerb != nullptr ? std::string(" ") + row.subVerb : "");
}

std::vector<std::string> verbsOf(const CommandTable& table) {
  std::vector<std::string> verbs;
  for (const CommandSpec& row : table) {
    if (std::find(verbs.begin(), verbs.end(), row.verb) == verbs.end()) verbs.push_back(row.verb);
  }
  return verbs;
}

const CommandSpec* findCommand(const std::string& verb, const std::string& subVerb) {
  for (const CommandSpec& row : kHiddenCommands) {
    if (verb == row.verb) return &row;
  }
  const CommandSpec* first = nullptr;
  for (const CommandSpec& row : commandTable()) {
    if (verb != row.verb) continue;
    if (first == nullptr) first = &row;
    if (row.subVerb != nullptr && subVerb == row.subVerb) return &row;
  }
  return first;
}

std::vector<const CommandSpec*> subVerbRows(const std::string& verb) {
  std::vector<const CommandSpec*> rows;
  for (const CommandSpec& row : commandTable()) {
    if (verb == row.verb && row.subVerb != nullptr) rows.push_back(&row);
  }
  return rows;
}

po::options_description optionsOf(const CommandSpec& row, Command& command) {
  po::options_description options = commonOptions(command.common);
  if (row.options != nullptr) options.add(row.options(command));
  return options;
}

std::vector<std::string> operandChoices(const CommandSpec& row) {
  std::vector<std::string> choices;
  if (row.operand == nullptr) return choices;
  const std::string operand = row.operand;
  if (operand.find('|') == std::string::npos) return choices;  // a placeholder, not a choice
  for (size_t start = 0; start <= operand.size();) {
    size_t bar = std::min(operand.find('|', start), operand.size());
    choices.push_back(operand.substr(start, bar - start));
    start = bar + 1;
  }
  return choices;
}

}  // namespace iter8
