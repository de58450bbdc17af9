// What a person typing the usual mistakes sees: suggestions, strict inputs, undefined actions,
// help with examples, describe's field table, JSON for tools, and completion scripts. A real
// handler process each time.
#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "tests/support/experiment_text.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using test::actionsExperiment;
using test::handlerPath;
using test::handlerRunArgv;
using test::ProcessOptions;
using test::ProcessResult;
using test::readFile;
using test::runProcess;
using test::shippedPluginDir;
using test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kExperiment = actionsExperiment(R"(      start:
      - task: common/exec
        with: {cmd: "true", disbleInterpolation: true}
      loop:
      - task: common/exec
        with: {cmd: "true"}
  versionInfo:
    baseline: {name: v1}
)");

class Cli : public ::testing::Test {
 protected:
  ProcessResult handler(std::vector<std::string> args, ProcessOptions options = {}) {
    std::vector<std::string> argv{handlerPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv, options);
  }
  ProcessResult run(const std::string& action, std::vector<std::string> extra = {},
                    ProcessOptions options = {}) {
    path_ = dir_.write("e.yaml", kExperiment);
    return runProcess(handlerRunArgv(action, path_, dir_.file("termination-log"), {}, extra),
                      options);
  }
  TempDir dir_;
  std::string path_;
};

TEST_F(Cli, AnUndefinedActionWithAFileListsTheDefinedOnes) {
  auto r = run("lop");
  EXPECT_EQ(r.exitCode, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("action 'lop' is not defined in file " + path_ +
                               " (did you mean `loop`?); it defines: start, loop"));
  // The controller's names keep the original's exit 0.
  for (const char* name : {"finish", "rollback"}) {
    auto ok = run(name);
    EXPECT_EQ(ok.exitCode, 0) << name << ": " << ok.err;
    EXPECT_THAT(ok.err, HasSubstr("is not defined"));
  }
}

TEST_F(Cli, UnknownInputsSuggestAndStrictRefusesThem) {
  auto warned = run("start");
  EXPECT_EQ(warned.exitCode, 0) << warned.err;
  EXPECT_THAT(warned.err, HasSubstr("unknown input 'with.disbleInterpolation' is ignored (did "
                                    "you mean `disableInterpolation`?)"));
  auto strict = run("start", {"--strict"});
  EXPECT_EQ(strict.exitCode, 4) << strict.err;
  EXPECT_THAT(readFile(dir_.file("termination-log")),
              HasSubstr("action start, task 0 (common/exec): unknown input "
                        "'with.disbleInterpolation' is refused (--strict) (did you mean "
                        "`disableInterpolation`?)"));
  ProcessOptions env;
  env.env["ITER8_STRICT"] = "1";
  EXPECT_EQ(run("start", {}, env).exitCode, 4);
  env.env["ITER8_STRICT"] = "false";
  EXPECT_EQ(run("start", {}, env).exitCode, 0);
}

TEST_F(Cli, ADedentedWithAndATaskTypoSayWhatIsWrong) {
  std::string dedented = actionsExperiment(R"(      loop:
      - task: metrics/collect
      with:
        versions: [{name: v1, url: "http://127.0.0.1:1/"}]
)");
  auto r = handler({"run", "-a", "loop", "-f", dir_.write("d.yaml", dedented), "--plugins-dir",
                    shippedPluginDir()});
  EXPECT_EQ(r.exitCode, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("action loop, task 0 (metrics/collect): input 'with.versions' is "
                               "required; expected array; task 0 has no `with:`; is it indented "
                               "under the task?"));
  std::string typo = kExperiment;
  typo.replace(typo.find("common/exec"), 11, "common/exce");
  auto t = handler({"run", "-a", "start", "-f", dir_.write("t.yaml", typo), "--plugins-dir",
                    shippedPluginDir()});
  EXPECT_EQ(t.exitCode, 4);
  EXPECT_THAT(t.err, HasSubstr("has no task 'exce' (did you mean `exec`?)"));
}

TEST_F(Cli, DryRunParsesEveryTemplateThatWillBeInterpolated) {
  std::string text = actionsExperiment(R"(      start:
      - task: common/exec
        with: {cmd: echo, args: ["{{ literal"], disableInterpolation: true}
      - task: common/bash
        with: {script: "echo {{ .this.metadata.name"}
)");
  std::string file = dir_.write("t.yaml", text);
  auto r =
      handler({"run", "-a", "start", "-f", file, "--dry-run", "--plugins-dir", shippedPluginDir()});
  // A dry run says "valid" only when it is: exit 4, the input, the template, plain words.
  EXPECT_EQ(r.exitCode, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("action start, task 1 (common/bash): input 'with.script' is not a "
                               "valid template: unclosed action: `}}` missing (template: 1:27: "
                               "unclosed action) in `echo {{ .this.metadata.name`"));
  EXPECT_THAT(r.err, Not(HasSubstr("valid (dry run")));
  EXPECT_THAT(r.err, Not(HasSubstr("task 0 (common/exec)")));  // not interpolated
  // Without --dry-run the action runs the items before the broken one and fails at it.
  auto real = handler({"run", "-a", "start", "-f", file, "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(real.exitCode, 1);
}

TEST_F(Cli, DryRunNamesARunItemsTemplateAndAMissingClosingDelimiter) {
  std::string text = actionsExperiment(R"(      start:
      - run: 'curl @< .Host >/x:8080'
)");
  std::string file = dir_.write("t.yaml", text);
  auto r =
      handler({"run", "-a", "start", "-f", file, "--dry-run", "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(r.exitCode, 4) << r.err;
  // Go says "expected :=" here, far from the real mistake.
  EXPECT_THAT(r.err, HasSubstr("action start, task 0 (run): input 'run' is not a valid template: "
                               "unclosed action: `>@` missing (template: "));
  EXPECT_THAT(r.err, HasSubstr(") in `curl @< .Host >/x:8080`"));
}

TEST_F(Cli, StrictMakesAMissingTemplateKeyAnError) {
  std::string text = actionsExperiment(R"(      start:
      - task: common/bash
        with: {script: "echo [{{ .this.metadata.nme }}]"}
)");
  std::string file = dir_.write("k.yaml", text);
  auto lax = handler({"run", "-a", "start", "-f", file, "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(lax.exitCode, 0) << lax.err;
  EXPECT_EQ(lax.out, "[]\n");
  EXPECT_THAT(lax.err, HasSubstr("template key .this.metadata.nme is missing"));
  auto strict =
      handler({"run", "-a", "start", "-f", file, "--strict", "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(strict.exitCode, 1) << strict.err;
  EXPECT_THAT(strict.out, Not(HasSubstr("[]")));  // the script never ran
  EXPECT_THAT(strict.err, HasSubstr("action start, task 0 (common/bash): input 'with.script': "
                                    "template: 1:14: executing at <.this.metadata.nme>: map has "
                                    "no entry for key \"nme\""));
}

// The last line a person sees repeats every warning, so a misspelt input is not lost in the log
// of a long load.
TEST_F(Cli, ADryRunAndARunEndWithASummaryOfTheirWarnings) {
  const std::string warning =
      "action start, task 0 (common/exec): unknown input 'with.disbleInterpolation' is ignored "
      "(did you mean `disableInterpolation`?)";
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--dry-run"}, std::vector<std::string>{}}) {
    auto r = run("start", extra);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
    EXPECT_THAT(last, HasSubstr("warning 1 warning: " + warning)) << r.err;
  }
  auto clean = run("loop", {"--dry-run"});
  EXPECT_EQ(clean.exitCode, 0) << clean.err;
  EXPECT_THAT(clean.err, Not(HasSubstr(" warning: ")));
}

// The warning is about the recommended version's template fields: only a template that reads
// them (`.name`, a version variable) gets it, not every `echo hi`.
TEST_F(Cli, NoRecommendedVersionIsSaidOnlyToTemplatesThatReadIt) {
  std::string text = actionsExperiment(R"(      start:
      - task: common/exec
        with: {cmd: echo, args: ['hi {{ "there" }}']}
      - task: common/bash
        with: {script: "echo hi {{ .this.metadata.name }}"}
      loop:
      - task: common/bash
        with: {script: "echo promote {{ .name }}"}
)");
  std::string file = dir_.write("r.yaml", text);
  auto quiet = handler({"run", "-a", "start", "-f", file, "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(quiet.exitCode, 0) << quiet.err;
  EXPECT_EQ(quiet.out, "hi there\nhi exp-1\n");
  EXPECT_THAT(quiet.err, Not(HasSubstr("no version is recommended")));
  auto reads = handler({"run", "-a", "loop", "-f", file, "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(reads.exitCode, 0) << reads.err;
  EXPECT_THAT(reads.err, HasSubstr("action loop, task 0 (common/bash): no version is recommended "
                                   "for promotion yet; its variables render as an empty string"));
  // Logged in the task's supervised process, and still in the closing summary.
  const std::string last = reads.err.substr(reads.err.rfind('\n', reads.err.size() - 2) + 1);
  EXPECT_THAT(last, HasSubstr("warning 2 warnings: action loop, task 0 (common/bash): no version "
                              "is recommended for promotion yet; its variables render as an "
                              "empty string; action loop, task 0 (common/bash): template key "
                              ".name is missing"))
      << reads.err;
}

// A level typed as an option is a mistake to say now; LOG_LEVEL (the controller sets it) keeps
// the original's leniency.
TEST_F(Cli, AnUnknownLogLevelOptionIsAUsageErrorButTheVariableOnlyWarns) {
  auto option = run("start", {"--log-level", "nonsense"});
  EXPECT_EQ(option.exitCode, 2) << option.err;
  EXPECT_THAT(option.err, HasSubstr("handler run: --log-level 'nonsense' is not a log level; "
                                    "expected trace, debug, info, warning or error"));
  EXPECT_THAT(option.err, Not(HasSubstr("started")));
  ProcessOptions env;
  env.env["LOG_LEVEL"] = "nonsense";
  auto variable = run("start", {}, env);
  EXPECT_EQ(variable.exitCode, 0) << variable.err;
  EXPECT_THAT(variable.err, HasSubstr("log level 'nonsense' is not one of"));
}

// NO_COLOR (https://no-color.org) turns off colour in the log lines too, not only in `report`.
TEST_F(Cli, LogLinesAreColouredOnATerminalOnlyAndNeverWithNoColor) {
  if (system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script(1) not installed";
  path_ = dir_.write("e.yaml", kExperiment);
  // `script` gives the handler a terminal (stdout and stderr both); TERM so spdlog trusts it.
  const std::string command = handlerPath() + " run -a start -f " + path_ + " --plugins-dir " +
                              shippedPluginDir() + " --termination-log " +
                              dir_.file("termination-log");
  ProcessOptions colour;
  colour.env["TERM"] = "xterm";
  colour.unsetEnv = {"NO_COLOR"};
  auto tty = runProcess({"script", "-qec", command, "/dev/null"}, colour);
  ASSERT_EQ(tty.exitCode, 0) << tty.err;
  EXPECT_THAT(tty.out, HasSubstr("\033["));
  ProcessOptions noColor = colour;
  noColor.env["NO_COLOR"] = "1";
  auto plain = runProcess({"script", "-qec", command, "/dev/null"}, noColor);
  ASSERT_EQ(plain.exitCode, 0) << plain.err;
  EXPECT_THAT(plain.out, HasSubstr("warning"));
  EXPECT_THAT(plain.out, Not(HasSubstr("\033[")));
}

TEST_F(Cli, ALibraryTypoAndANumberForADurationGetSuggestions) {
  std::string text = R"(apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: exp-1, namespace: team-a}
spec:
  strategy:
    actions:
      start:
      - task: metric/collect
        with: {versions: [{name: v1, url: "http://127.0.0.1:1/"}]}
      loop:
      - task: metrics/collect
        with: {time: 5, versions: [{name: v1, url: "http://127.0.0.1:1/"}]}
)";
  std::string file = dir_.write("s.yaml", text);
  auto library =
      handler({"run", "-a", "start", "-f", file, "--dry-run", "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(library.exitCode, 4) << library.err;
  EXPECT_THAT(library.err, HasSubstr("no plugin provides library 'metric' (did you mean "
                                     "`metrics`?) (looked for metric.so in "));
  auto duration =
      handler({"run", "-a", "loop", "-f", file, "--dry-run", "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(duration.exitCode, 4) << duration.err;
  EXPECT_THAT(duration.err, HasSubstr("input 'with.time' is a number 5; expected a Go duration "
                                      "such as `5s`"));
}

// `handler plugins` reads as a table: every task's description starts in one column.
TEST_F(Cli, PluginsAlignsItsDescriptionColumn) {
  auto r = handler({"plugins", "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  std::istringstream lines(r.out);
  std::set<size_t> columns;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  ", 0) != 0) continue;  // task lines are indented
    size_t name = line.find_first_not_of(' ');
    size_t gap = line.find("  ", name);
    ASSERT_NE(gap, std::string::npos) << line;
    columns.insert(line.find_first_not_of(' ', gap));
  }
  EXPECT_THAT(r.out, HasSubstr("common/promote-kubectl"));
  EXPECT_EQ(columns.size(), 1u) << r.out;
}

TEST_F(Cli, AnUnusableOutputIsFoundBeforeAnyTaskRuns) {
  auto missing = run("start", {"--dry-run", "-o", "/nonexistent/out.yaml"});
  EXPECT_EQ(missing.exitCode, 2) << missing.err;
  EXPECT_THAT(missing.err,
              HasSubstr("--output /nonexistent/out.yaml: the folder /nonexistent does not exist"));
  auto folder = run("start", {"-o", dir_.path()});
  EXPECT_EQ(folder.exitCode, 2);
  EXPECT_THAT(folder.err, HasSubstr("is a folder; expected a file"));
  if (::geteuid() != 0) {  // root writes anywhere
    std::string locked = dir_.path() + "/locked";
    std::filesystem::create_directory(locked);
    std::filesystem::permissions(
        locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    auto denied = run("start", {"--dry-run", "-o", locked + "/out.yaml"});
    EXPECT_EQ(denied.exitCode, 2);
    EXPECT_THAT(denied.err, HasSubstr("is not writable"));
    std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
  }
  // A dry run writes nothing (as kubectl's and helm's): it says the output could be written.
  auto dry = run("start", {"--dry-run", "-o", dir_.file("out.yaml")});
  EXPECT_EQ(dry.exitCode, 0) << dry.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out.yaml")));
  EXPECT_THAT(dry.err, HasSubstr("--output " + dir_.file("out.yaml") +
                                 " can be written (dry run: nothing written)"));
}

// Without -o the status goes back into the experiment file: a file that cannot be written is
// found before any task runs, not after the load whose measurements it was to keep.
TEST_F(Cli, AReadOnlyExperimentFileWithoutOutputIsFoundBeforeAnyTaskRuns) {
  path_ = dir_.write("e.yaml", kExperiment);
  std::filesystem::permissions(path_, std::filesystem::perms::owner_read |
                                          std::filesystem::perms::group_read |
                                          std::filesystem::perms::others_read);
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, std::vector<std::string>{"--dry-run"}}) {
    auto r = runProcess(handlerRunArgv("start", path_, dir_.file("termination-log"), {}, extra));
    EXPECT_EQ(r.exitCode, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("--file " + path_ +
                                 ": it is read-only (mode 0444); a run writes its status back "
                                 "into it: make it writable or give --output FILE"));
    EXPECT_THAT(r.err, Not(HasSubstr("started")));
  }
  auto elsewhere = runProcess(handlerRunArgv("start", path_, dir_.file("termination-log"), {},
                                             {"-o", dir_.file("out.yaml")}));
  EXPECT_EQ(elsewhere.exitCode, 0) << elsewhere.err;
}

TEST_F(Cli, StatusWritesSayWhereTheyWent) {
  path_ = dir_.write("e.yaml", kExperiment + R"(status:
  stage: Running
)");
  dir_.write("loop.yaml", actionsExperiment(R"(      loop:
      - task: metrics/collect
        with:
          numQueries: 1
          versions:
          - {name: v1, url: "http://127.0.0.1:1/"}
  versionInfo:
    baseline: {name: v1}
)"));
  auto r = handler({"run", "-a", "loop", "-f", dir_.file("loop.yaml"), "-o", dir_.file("out.yaml"),
                    "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("info  status of file " + dir_.file("loop.yaml") + " written to " +
                               dir_.file("out.yaml")));
}

TEST_F(Cli, AMissingPluginFolderIsAWarning) {
  auto r = handler({"plugins", "--plugins-dir", "/nonexistent"});
  EXPECT_THAT(r.err, HasSubstr("plugin folder /nonexistent (--plugins-dir or ITER8_PLUGINS_DIR) "
                               "is not a folder; it does not exist"));
}

TEST_F(Cli, TyposOfCommandsOptionsAndSubcommandsGetSuggestions) {
  auto command = handler({"rnu"});
  EXPECT_EQ(command.exitCode, 2);
  EXPECT_THAT(command.err, HasSubstr("unknown command 'rnu' (did you mean `run`?)"));
  auto option = handler({"run", "-a", "start", "--dry-rn"});
  EXPECT_EQ(option.exitCode, 2);
  EXPECT_THAT(option.err, HasSubstr("unrecognised option '--dry-rn' (did you mean `--dry-run`?)"));
  auto sub = handler({"plugins", "descrbe", "common"});
  EXPECT_EQ(sub.exitCode, 2);
  EXPECT_THAT(sub.err, HasSubstr("unknown subcommand 'descrbe' (did you mean `describe`?)"));
}

TEST_F(Cli, EveryCommandsHelpHasExamples) {
  auto run = handler({"run", "--help"});
  EXPECT_EQ(run.exitCode, 0);
  size_t invocations = 0;
  for (size_t at = run.out.find("\n  handler run -a "); at != std::string::npos;
       at = run.out.find("\n  handler run -a ", at + 1)) {
    ++invocations;
  }
  EXPECT_GE(invocations, 3u) << run.out;
  for (const char* command : {"report", "plugins", "completion", "version"}) {
    auto help = handler({command, "--help"});
    EXPECT_EQ(help.exitCode, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("Usage: handler " + std::string(command))) << command;
    EXPECT_THAT(help.out, HasSubstr("\n  handler " + std::string(command))) << "an example";
  }
  // --plugins-dir belongs to the commands that load plugins; report and the others refuse it.
  EXPECT_THAT(run.out, HasSubstr("--plugins-dir DIR"));
  EXPECT_THAT(handler({"plugins", "--help"}).out, HasSubstr("--plugins-dir DIR"));
  for (const char* command : {"report", "analyze", "completion", "version"}) {
    EXPECT_THAT(handler({command, "--help"}).out, Not(HasSubstr("--plugins-dir"))) << command;
  }
  auto refused = handler({"report", "--plugins-dir", "/tmp", "-f", "x.yaml"});
  EXPECT_EQ(refused.exitCode, 2);
  EXPECT_THAT(refused.err, HasSubstr("plugins-dir"));
  auto describe = handler({"plugins", "describe", "--help"});
  EXPECT_THAT(describe.out, HasSubstr("Usage: handler plugins describe LIBRARY[/TASK]"));
  EXPECT_THAT(describe.out, HasSubstr("table of its inputs"));
  EXPECT_THAT(handler({"help", "report"}).out, HasSubstr("Usage: handler report"));
}

TEST_F(Cli, DescribeShowsAFieldTableWithDefaults) {
  auto r = handler({"plugins", "describe", "metrics/collect", "--plugins-dir", shippedPluginDir()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("TASK: metrics/collect"));
  EXPECT_THAT(r.out,
              HasSubstr("\n  FIELD                     TYPE     DEFAULT  REQUIRED  DESCRIPTION\n"));
  EXPECT_THAT(r.out,
              HasSubstr("\n  time                      string   \"5s\"               how long"));
  EXPECT_THAT(r.out,
              HasSubstr("\n  versions[].url            string            yes       http://"));
  EXPECT_THAT(r.out, HasSubstr("  versions[].headers.<key>"));
  for (size_t start = 0; start < r.out.size();) {
    size_t end = r.out.find('\n', start);
    EXPECT_LE(end - start, 100u) << r.out.substr(start, end - start);
    start = end + 1;
  }
  auto json = handler(
      {"plugins", "describe", "metrics/collect", "--json", "--plugins-dir", shippedPluginDir()});
  ASSERT_EQ(json.exitCode, 0) << json.err;
  auto schema = parseJson(json.out);
  EXPECT_STREQ(schema["properties"]["time"]["default"].GetString(), "5s");
}

TEST_F(Cli, AWrongTaskNameSuggestsTheClosest) {
  auto task =
      handler({"plugins", "describe", "metrics/colect", "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(task.exitCode, 1);
  EXPECT_THAT(task.err, HasSubstr("library 'metrics' has no task 'colect' (did you mean "
                                  "`metrics/collect`?); it has metrics/collect"));
  auto library =
      handler({"plugins", "describe", "metrix/collect", "--plugins-dir", shippedPluginDir()});
  EXPECT_EQ(library.exitCode, 1);
  EXPECT_THAT(library.err, HasSubstr("(did you mean `metrics`?)"));
}

TEST_F(Cli, PluginsJsonIsForTools) {
  auto r = handler({"plugins", "--json", "--plugins-dir", shippedPluginDir()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = parseJson(r.out);
  std::vector<std::string> tasks;
  for (const auto& plugin : doc["plugins"].GetArray()) {
    for (const auto& task : plugin["tasks"].GetArray()) tasks.push_back(task["name"].GetString());
  }
  EXPECT_THAT(tasks, ::testing::IsSupersetOf({"common/exec", "metrics/collect"}));
  EXPECT_EQ(doc["errors"].Size(), 0u);
}

TEST_F(Cli, CompletionScriptsParse) {
  auto bash = handler({"completion", "bash"});
  ASSERT_EQ(bash.exitCode, 0);
  std::string script = dir_.write("handler.bash", bash.out);
  auto check = runProcess({"bash", "-c",
                           "source " + script +
                               " && COMP_WORDS=(handler rep) COMP_CWORD=1 && "
                               "_handler && echo \"${COMPREPLY[*]}\""});
  EXPECT_EQ(check.exitCode, 0) << check.err;
  EXPECT_EQ(check.out, "report\n");
  auto options = runProcess({"bash", "-c",
                             "source " + script +
                                 " && COMP_WORDS=(handler report --fo) "
                                 "COMP_CWORD=2 && _handler && echo \"${COMPREPLY[*]}\""});
  EXPECT_EQ(options.out, "--format\n");
  auto zsh = handler({"completion", "zsh"});
  ASSERT_EQ(zsh.exitCode, 0);
  EXPECT_THAT(zsh.out, HasSubstr("#compdef handler"));
  if (system("command -v zsh >/dev/null 2>&1") == 0) {
    std::string file = dir_.write("_handler", zsh.out);
    EXPECT_EQ(runProcess({"zsh", "-n", file}).exitCode, 0);
  }
}

}  // namespace
}  // namespace iter8
