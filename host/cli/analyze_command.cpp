// `handler analyze` and `handler run --analyze`: what the Iter8 controller and its analytics
// service would store in status.analysis between loops, computed offline (host/analysis/) and
// written through the same status write-back a run uses, so a file is never half written.
#include <cstdlib>
#include <filesystem>

#include "host/analysis/analysis.h"
#include "host/cli/commands.h"
#include "host/log.h"
#include "host/runner/exit_code.h"
#include "host/source/local_source.h"
#include "lib/timestamp.h"

namespace iter8 {
namespace {

// One line for the log: who won, and what would be promoted.
std::string verdictLine(const analysis::Analysis& a) {
  std::string line = a.winner.winnerFound ? "winner " + a.winner.winner : "no winner";
  if (a.winner.message) line += " (" + *a.winner.message + ")";
  line += "; recommended version for promotion: " + a.recommended;
  if (a.rollback) line += " (kept: an objective with rollbackOnFailure failed)";
  return line;
}

}  // namespace

std::string analyzeHelp() {
  return "Usage: handler analyze -f FILE [-o FILE]\n"
         "\n"
         "Computes, offline, what the Iter8 controller and its analytics service would store\n"
         "from the builtin metrics that metrics/collect recorded: status.analysis's\n"
         "aggregatedMetrics, versionAssessments and winnerAssessment, and\n"
         "status.versionRecommendedForPromotion, by Iter8 v2alpha2's rules exactly\n"
         "(docs/report.md#the-verdict). Objectives on other metrics are not evaluated offline.\n"
         "A following `finish` then sees WinnerFound(), CandidateWon() and the recommended\n"
         "version. Local files only: in a cluster the controller owns status.analysis.\n"
         "\n"
         "Exit codes: 0 analysed and written; 3 the file cannot be read or its histograms are\n"
         "malformed; 4 spec.criteria or the testing pattern cannot be analysed (nothing written).\n"
         "\n"
         "Examples:\n"
         "  handler analyze -f experiment.yaml\n"
         "  handler analyze -f experiment.yaml -o analysed.yaml\n"
         "  handler run -a loop -f experiment.yaml --analyze\n";
}

std::string analyzeSource(ExperimentSource& source) {
  rapidjson::Document experiment = source.read();
  analysis::Analysis a = analysis::analyze(experiment);
  const char* endpoint = std::getenv("ITER8_ANALYTICS_ENDPOINT");  // as etc3 reads it
  source.updateStatus(
      analysis::statusPatch(experiment, a, rfc3339Utc(),
                            endpoint && *endpoint ? endpoint : analysis::kDefaultProvenance));
  return verdictLine(a);
}

int analyzeCommand(const Command& command) {
  const RunOptions& run = command.run;
  std::error_code ec;
  // A pipe (-f <(...)) can be read once: one source, and an --output it created is removed on
  // refusal. A file is checked on a read-only source first: with -o the source copies the file
  // at once, and bad criteria must leave nothing written.
  const bool pipe = !run.file.empty() && !std::filesystem::is_regular_file(run.file, ec);
  const bool outputExisted = !run.output.empty() && std::filesystem::exists(run.output, ec);
  try {
    if (!pipe) {
      LocalExperimentSource check(LocalSourceOptions{run.file, {}, {}});
      analysis::analyze(check.read());
    }
    LocalExperimentSource source(LocalSourceOptions{run.file, run.output, {}});
    logger().info("analysis: {}", analyzeSource(source));
    return kExitOk;
  } catch (const SourceError& e) {
    logger().error("{}", redact(e.what()));
    return kExitBadExperiment;
  } catch (const analysis::CriteriaError& e) {
    if (pipe && !run.output.empty() && !outputExisted) std::filesystem::remove(run.output, ec);
    logger().error("handler analyze: {}", e.what());
    return kExitInvalidAction;
  } catch (const analysis::AnalysisError& e) {
    logger().error("handler analyze: {}", e.what());
    return kExitBadExperiment;
  }
}

}  // namespace iter8
