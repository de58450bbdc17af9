// `handler report`: read the experiment (file or cluster), build the report, print or write it.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "host/cli/commands.h"
#include "host/log.h"
#include "host/report/report_render.h"
#include "host/runner/exit_code.h"
#include "host/source/kube_source.h"
#include "host/source/local_source.h"
#include "host/source/status_file.h"
#include "lib/atomic_file.h"

namespace iter8 {
namespace {

// Whole or nothing (lib/atomic_file), mode 0644 whatever the umask or an old file's mode.
// Checked as the status write-back is: a symlink is followed to its file (the link stays), and
// anything but a regular file (a device such as /dev/stdout, a FIFO, a folder) is refused
// rather than replaced; without -o the report goes to stdout anyway.
void writeReportFile(const std::string& output, const std::string& text) {
  std::filesystem::path target = resolveWriteTarget(output);
  checkWritable(target, output);
  AtomicWriteOptions options;
  options.mode = 0644;
  try {
    writeFileAtomically(target, text, options);
  } catch (const AtomicWriteError& e) {
    throw std::runtime_error("cannot write " + output + ": " + std::strerror(e.error()));
  }
}

bool colourWanted(const Command& command) {
  const char* noColor = std::getenv("NO_COLOR");
  if (noColor != nullptr && *noColor != '\0') return false;  // https://no-color.org
  return command.report.output.empty() && ::isatty(STDOUT_FILENO) == 1;
}

// --check: the verdict's exit code, and why on stderr.
int checkExit(const report::Verdict& verdict) {
  report::CheckResult check = report::checkVerdict(verdict);
  if (check.code == report::kCheckGo) {
    logger().info("report --check: {}", check.reason);
  } else {
    logger().error("report --check: {}", check.reason);
  }
  return check.code;
}

}  // namespace

int reportCommand(const Command& command) {
  rapidjson::Document experiment;
  try {
    std::unique_ptr<ExperimentSource> source;
    if (!command.run.file.empty()) {
      source =
          std::make_unique<LocalExperimentSource>(LocalSourceOptions{command.run.file, {}, {}});
    } else {
      source = openKubeSource(command.run.cluster());
    }
    experiment = source->read();
  } catch (const SourceError& e) {
    logger().error("{}", redact(e.what()));
    return kExitBadExperiment;
  }

  std::string text;
  report::Verdict verdict;
  try {
    report::Report model = report::buildReport(experiment);
    if (command.report.confidence > 0) {
      report::applyConfidence(model.verdict, experiment, command.report.confidence);
    }
    verdict = model.verdict;
    const std::string& format = command.report.format;
    if (format == "json") {
      text = report::renderJson(model);
    } else if (format == "html") {
      text = report::renderHtml(model);
    } else {
      text = report::renderTable(model, colourWanted(command));
    }
  } catch (const report::ReportError& e) {
    logger().error("cannot report on the experiment: {}", e.what());
    return kExitBadExperiment;
  }

  if (command.report.output.empty()) {
    std::cout << text << std::flush;
  } else {
    try {
      writeReportFile(command.report.output, text);
    } catch (const std::exception& e) {
      logger().error("{}", e.what());
      return kExitTaskFailed;
    }
    logger().info("report written to {}", command.report.output);
  }
  return command.report.check ? checkExit(verdict) : kExitOk;
}

}  // namespace iter8
