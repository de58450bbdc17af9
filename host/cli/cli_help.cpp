#include "host/cli/cli_help.h"

#include <algorithm>

#include "host/cli/command_table.h"
#include "iter8/plugin_api.h"
#include "iter8_version.h"
#include "lib/text.h"

namespace iter8 {

namespace {

// The main help's command list: each row's synopsis, then its summary wrapped in a column 50
// wide (as wide as the list written by hand was; the widest line is 81 characters).
std::string commandList() {
  size_t column = 0;
  for (const CommandSpec& row : commandTable()) {
    column = std::max(column, std::string(row.synopsis).size());
  }
  column += 2;  // the gap between the columns
  const size_t indent = 2;
  const size_t summaryWidth = 50;
  std::string text;
  for (const CommandSpec& row : commandTable()) {
    std::string left = row.synopsis;
    left.resize(column, ' ');
    for (const std::string& line : wrapWords(row.summary, summaryWidth)) {
      text += std::string(indent, ' ') + left + line + "\n";
      left.assign(column, ' ');
    }
  }
  return text;
}

}  // namespace

std::string mainHelp() {
  return "Usage: handler <command> [options]\n"
         "\n"
         "Runs the tasks of one action of an Iter8 experiment, and reports what they measured.\n"
         "\n"
         "Commands:\n" +
         commandList() +
         "\n"
         "Examples:\n"
         "  handler run -a start -f experiment.yaml -o out.yaml\n"
         "  handler run -a loop -f out.yaml\n"
         "  handler report -f out.yaml\n"
         "  handler plugins describe metrics/collect\n"
         "\n"
         "Run 'handler <command> --help' for the options of a command.\n";
}

std::string runHelp() {
  return "Usage: handler run -a ACTION [-f FILE] [options]\n"
         "\n"
         "Runs the tasks of one action of an experiment: the file given with -f, else the\n"
         "experiment --name/--namespace (default $EXPERIMENT_NAME/$EXPERIMENT_NAMESPACE) in the\n"
         "cluster. Status updates go back where the experiment came from (or to --output).\n"
         "\n"
         "Examples:\n"
         "  # first run of a local experiment; keep the input clean, status goes to out.yaml\n"
         "  handler run -a start -f experiment.yaml -o out.yaml\n"
         "  # later runs read and update out.yaml: a local loop\n"
         "  handler run -a loop -f out.yaml\n"
         "  # check every task's inputs and templates without running anything\n"
         "  handler run -a loop -f experiment.yaml --dry-run --strict\n"
         "  # what the Job in the cluster runs\n"
         "  handler run -a finish --name canary-exp --namespace shop\n"
         "\n"
         "Exit codes: 0 done, 1 a task failed, 2 bad command line, 3 the experiment could not\n"
         "be read, 4 the action is invalid (nothing ran), 5 cancelled.\n";
}

std::string reportHelp() {
  return "Usage: handler report [-f FILE | --name NAME --namespace NS] [--format F] [-o FILE]\n"
         "\n"
         "Shows what metrics/collect recorded, accumulated over loops: per version requests,\n"
         "achieved qps, error rate with reasons, mean and p50/p90/p95/p99/p99.9 latency of the\n"
         "successful responses, each candidate's difference from the baseline, and the\n"
         "experiment's stage, conditions, winner and recommended version.\n"
         "\n"
         "Examples:\n"
         "  handler report -f out.yaml\n"
         "  handler report -f out.yaml --format json | jq '.versions[].errorRatePercent'\n"
         "  handler report -f out.yaml --format html -o report.html\n"
         "  handler report --name canary-exp --namespace shop\n"
         "\n"
         "Colour is used on a terminal only, and never when NO_COLOR is set.\n";
}

std::string pluginsHelp() {
  return "Usage: handler plugins [--json] [options]\n"
         "       handler plugins describe LIBRARY[/TASK] [--json]\n"
         "       handler plugins check FILE.so\n"
         "\n"
         "Lists the plugin libraries found in the plugin folders, their tasks, and the files\n"
         "that failed to load (exit 1 when any did).\n"
         "\n"
         "Examples:\n"
         "  handler plugins\n"
         "  handler plugins --json | jq -r '.plugins[].tasks[].name'\n"
         "  handler plugins --plugins-dir ./build/lib/iter8/plugins describe common/exec\n";
}

std::string pluginsDescribeHelp() {
  return "Usage: handler plugins describe LIBRARY[/TASK] [--json] [options]\n"
         "\n"
         "Describes the tasks of a library, or one task: what it does and a table of its inputs\n"
         "(the keys under `with:`) with type, default, whether required, and description.\n"
         "Nested inputs are listed with their path (versions[].url). --json prints the raw\n"
         "JSON Schema instead.\n"
         "\n"
         "Examples:\n"
         "  handler plugins describe metrics/collect\n"
         "  handler plugins describe common\n"
         "  handler plugins describe notification/http --json\n";
}

std::string pluginsCheckHelp() {
  return "Usage: handler plugins check FILE.so\n"
         "\n"
         "Loads one plugin file with the loader's checks (ABI version, descriptor, schemas) and\n"
         "says what it provides, or why it cannot be used.\n"
         "\n"
         "Example:\n"
         "  handler plugins check ./build/lib/iter8/plugins/common.so\n";
}

std::string completionHelp() {
  return "Usage: handler completion bash|zsh\n"
         "\n"
         "Prints a completion script for the shell.\n"
         "\n"
         "Examples:\n"
         "  source <(handler completion bash)             # this bash session\n"
         "  handler completion zsh > \"${fpath[1]}/_handler\"  # zsh, from the next start\n";
}

std::string versionHelp() {
  return "Usage: handler version [--tools]\n\nPrints the handler's version and its plugin ABI "
         "version; with --tools, also\nthe versions of the tools run: items and common/bash "
         "scripts call (kubectl, git,\ncurl, bash, as PATH finds them), and the API server "
         "versions this kubectl supports\n(one minor version either side of its own).\n\n"
         "Examples:\n  handler version   # handler " ITER8_VERSION " (plugin ABI " +
         std::to_string(ITER8_ABI_MAJOR) + "." + std::to_string(ITER8_ABI_MINOR) +
         ")\n  handler version --tools\n";
}

}  // namespace iter8
