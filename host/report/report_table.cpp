#include <cstdio>

#include "host/report/report_render.h"
#include "lib/text.h"

namespace iter8::report {
namespace {

constexpr const char* kRed = "\033[31m";
constexpr const char* kGreen = "\033[32m";
constexpr const char* kBold = "\033[1m";
constexpr const char* kReset = "\033[0m";

std::string fixed(double v, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string ms(const std::optional<double>& v) {
  return v ? fixed(*v, *v >= 1000 ? 0 : (*v >= 100 ? 1 : 2)) : "-";
}

std::string signedText(double v, int decimals) {
  return (v > 0 ? "+" : "") + fixed(v, decimals);
}

// `text` right-aligned in `width` columns (left-aligned when width < 0).
std::string pad(const std::string& text, int width) {
  size_t w = static_cast<size_t>(width < 0 ? -width : width);
  if (text.size() >= w) return text;
  std::string fill(w - text.size(), ' ');
  return width < 0 ? text + fill : fill + text;
}

std::string paint(const std::string& text, const char* colour, bool on) {
  return on ? colour + text + kReset : text;
}

// One figure of a difference row, 8 columns: absolute (2 decimals) or relative (1 decimal, %).
std::string cell(const Difference& d, bool relative, bool colour) {
  const std::optional<double>& v = relative ? d.percent : d.absolute;
  if (!v) return pad("-", 8);
  std::string text = pad(signedText(*v, relative ? 1 : 2) + (relative ? "%" : ""), 8);
  if (*v == 0) return text;
  return paint(text, *v > 0 ? kRed : kGreen, colour);
}

std::string trimRight(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string shortName(const std::string& name, size_t width) {
  return name.size() <= width ? name : name.substr(0, width - 1) + "~";
}

// The experiment's name and stage, its outcome and its conditions.
std::string headerSection(const Report& r, bool colour) {
  std::string out;
  out += paint("Experiment " + (r.ns.empty() ? "" : r.ns + "/") + r.name, kBold, colour);
  if (!r.stage.empty()) out += "  stage: " + r.stage;
  out += "\n";
  std::string outcome;
  if (r.winnerFound)
    outcome += "winner: " + (*r.winnerFound ? (r.winner.empty() ? "found" : r.winner)
                                            : std::string("not found"));
  if (!r.recommendedVersion.empty()) {
    outcome += (outcome.empty() ? "" : "  ") + std::string("recommended: ") + r.recommendedVersion;
  }
  if (!outcome.empty()) out += outcome + "\n";
  for (const auto& c : r.conditions) {
    out += "condition " + c.type + "=" + c.status +
           (c.reason.empty() ? "" : " (" + c.reason + ")") +
           (c.message.empty() ? "" : ": " + c.message) + "\n";
  }
  return out + "\n";
}

// One row of the versions table.
std::string versionRow(const VersionFigures& v, bool colour) {
  std::string name = shortName(v.name, 13) + (v.role == Role::kBaseline ? "*" : "");
  if (!v.measured) return pad(name, -14) + "  not measured by metrics/collect\n";
  std::string errors = fixed(v.errorRatePercent, v.errorRatePercent == 100 ? 0 : 2) + "%";
  std::string out =
      pad(name, -14) + pad(std::to_string(v.requests), 9) + pad(fixed(v.actualQps, 2), 9) +
      (v.errors > 0 ? paint(pad(errors, 8), kRed, colour) : pad(errors, 8)) + pad(ms(v.meanMs), 8);
  for (const auto& p : v.percentilesMs) out += pad(ms(p), 8);
  return out + "  " + percentileSourceColumn(v.percentileSource) + "\n";
}

// Every version's figures, with the legend of the pct column.
std::string versionsSection(const Report& r, bool colour) {
  // 14 + 9 + 9 + 8 + 6 * 8 + 2 + 8 = 98 columns.
  std::string out =
      pad("version", -14) + pad("requests", 9) + pad("qps", 9) + pad("errors", 8) + pad("mean", 8);
  for (double p : reportPercentiles()) out += pad(percentileLabel(p), 8);
  out += "  pct\n";
  for (const auto& v : r.versions) out += versionRow(v, colour);
  out +=
      "Latency in ms of successful responses only; * = baseline. pct: exact = nearest-rank\n"
      "percentiles of the samples; exact/L = the same, of the last run only (loops merge\n"
      "histograms, not samples); hist = interpolated from the merged histogram.\n";
  for (const auto& v : r.versions) {
    if (v.percentileSource == PercentileSource::kHistogramWithFailures) {
      out += "hist+F = the same, failures included: the Go handler recorded no error histogram.\n";
      break;
    }
  }
  return out;
}

// A version's error count and reasons, wrapped to stay within 100 columns.
std::string errorLines(const VersionFigures& v, bool colour) {
  std::string reasons;
  for (const auto& [reason, n] : v.errorReasons) {
    reasons += (reasons.empty() ? "" : ", ") + reason + ": " + std::to_string(n);
  }
  bool allFailed = v.errors == v.requests && v.requests > 0;
  std::string line = v.name + ": " + std::to_string(v.errors) + " of " +
                     std::to_string(v.requests) + " (" + reasons + ")" +
                     (allFailed ? "  ALL FAILED" : "");
  // Many reasons wrap, indented.
  std::vector<std::string> lines = wrapWords(line, 94);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string text = lines[i];
    if (allFailed && i + 1 == lines.size() && colour) {
      size_t at = text.rfind("ALL FAILED");
      if (at != std::string::npos) text = text.substr(0, at) + paint("ALL FAILED", kRed, true);
    }
    out += (i == 0 ? "  " : "      ") + text + "\n";
  }
  return out;
}

// The reasons of the errors, when any version had some.
std::string errorsSection(const Report& r, bool colour) {
  bool anyErrors = false;
  for (const auto& v : r.versions) anyErrors = anyErrors || !v.errorReasons.empty();
  if (!anyErrors) return "";
  std::string out = "\nErrors\n";
  for (const auto& v : r.versions) {
    if (!v.errorReasons.empty()) out += errorLines(v, colour);
  }
  return out;
}

// Two rows per candidate: the difference in ms (errors in percentage points), then in % of
// the baseline's figure. Lower is better everywhere.
std::string comparisonsSection(const Report& r, bool colour) {
  if (r.comparisons.empty()) return "";
  std::string out = "\nCandidates - baseline " + r.baseline + " (lower is better)\n";
  out += pad("version", -14) + pad("", -6) + pad("mean", 8);
  for (double p : reportPercentiles()) out += pad(percentileLabel(p), 8);
  out += pad("errors", 11) + "\n";
  for (const auto& c : r.comparisons) {
    std::string ms =
        pad(shortName(c.version, 13), -14) + pad("ms", -6) + cell(c.meanMs, false, colour);
    std::string pct = pad("", -14) + pad("%", -6) + cell(c.meanMs, true, colour);
    for (const auto& d : c.percentilesMs) {
      ms += cell(d, false, colour);
      pct += cell(d, true, colour);
    }
    // The error rate's relative change is left out: a relative change of a rate misleads.
    const std::optional<double>& points = c.errorRate.absolute;
    ms += (points ? pad(signedText(*points, 2) + " pp", 11) : pad("-", 11));
    out += trimRight(ms) + "\n" + trimRight(pct) + "\n";
  }
  return out;
}

}  // namespace

std::string renderTable(const Report& r, bool colour) {
  return headerSection(r, colour) + versionsSection(r, colour) + errorsSection(r, colour) +
         comparisonsSection(r, colour);
}

}  // namespace iter8::report
