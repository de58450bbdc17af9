#include "host/cli/cli_help.h"

namespace iter8 {

std::string mainHelp() {
  return "Usage: handler <command> [options]\n"
         "\n"
         "Runs the tasks of one action of an Iter8 experiment, and reports what they measured.\n"
         "\n"
         "Commands:\n"
         "  run -a ACTION [-f FILE]      run an action (from a local file, or the cluster)\n"
         "  report [-f FILE]             per-version latency, errors and the candidates'\n"
         "                               difference from the baseline (table, json or html)\n"
         "  plugins                      list plugins found, their tasks, and load errors\n"
         "  plugins describe LIB[/TASK]  a task's inputs: name, type, default, description\n"
         "  plugins check FILE.so        run the loader's checks on one plugin file\n"
         "  completion bash|zsh          print a shell completion script\n"
         "  version                      print the handler and plugin ABI versions\n"
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

namespace {

// One word list per command; both scripts complete from these.
const char* kCommands = "run report plugins completion version help";
const char* kCommon = "--help --plugins-dir --log-level";
const char* kRun =
    "--action --file --output --secrets-dir --termination-log --dry-run --strict --name "
    "--namespace --kubeconfig --context --api-deadline";
const char* kReport =
    "--format --output --file --name --namespace --kubeconfig --context --api-deadline";
const char* kPlugins = "describe check list --json";

}  // namespace

std::string completionScript(const std::string& shell) {
  std::string words =
      std::string("  run) opts=\"") + kRun + " " + kCommon + "\" ;;\n  report) opts=\"" + kReport +
      " " + kCommon + "\" ;;\n  plugins) opts=\"" + kPlugins + " " + kCommon +
      "\" ;;\n  completion) opts=\"bash zsh\" ;;\n  *) opts=\"" + kCommon + "\" ;;\n";
  if (shell == "zsh") {
    return std::string("#compdef handler\n") +
           "# zsh completion for the iter8 handler (generated by `handler completion zsh`)\n"
           "_handler() {\n"
           "  if (( CURRENT == 2 )); then\n"
           "    compadd -- " +
           kCommands +
           "\n"
           "    return\n"
           "  fi\n"
           "  local opts\n"
           "  case ${words[2]} in\n" +
           words +
           "  esac\n"
           "  case ${words[CURRENT-1]} in\n"
           "    --format) compadd -- table json html; return ;;\n"
           "    --log-level) compadd -- trace debug info warning error; return ;;\n"
           "    -a|--action) compadd -- start loop finish rollback; return ;;\n"
           "    -f|--file|-o|--output|--termination-log|--kubeconfig) _files; return ;;\n"
           "    --plugins-dir|--secrets-dir) _files -/; return ;;\n"
           "  esac\n"
           "  compadd -- ${=opts}\n"
           "}\n"
           "compdef _handler handler\n";
  }
  return std::string(
             "# bash completion for the iter8 handler (generated by `handler completion bash`)\n") +
         "_handler() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts\n"
         "  if (( COMP_CWORD == 1 )); then\n"
         "    COMPREPLY=($(compgen -W \"" +
         kCommands +
         "\" -- \"$cur\"))\n"
         "    return\n"
         "  fi\n"
         "  case $prev in\n"
         "    --format) COMPREPLY=($(compgen -W \"table json html\" -- \"$cur\")); return ;;\n"
         "    --log-level) COMPREPLY=($(compgen -W \"trace debug info warning error\" -- "
         "\"$cur\")); return ;;\n"
         "    -a|--action) COMPREPLY=($(compgen -W \"start loop finish rollback\" -- \"$cur\")); "
         "return ;;\n"
         "    -f|--file|-o|--output|--termination-log|--kubeconfig) COMPREPLY=($(compgen -f -- "
         "\"$cur\")); return ;;\n"
         "    --plugins-dir|--secrets-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
         "  esac\n"
         "  case ${COMP_WORDS[1]} in\n" +
         words +
         "  esac\n"
         "  COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
         "}\n"
         "complete -F _handler handler\n";
}

}  // namespace iter8
