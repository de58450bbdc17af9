#include <algorithm>
#include <cstdio>
#include <map>

#include "host/report/report_render.h"
#include "host/report/version_latency.h"
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

// Four significant figures or so, whatever the magnitude: 1000000, 117.1, 24.85, 0.001.
std::string ms(const std::optional<double>& v) {
  if (!v) return "-";
  return fixed(*v, *v >= 1000 ? 0 : *v >= 100 ? 1 : *v >= 0.1 || *v == 0 ? 2 : 3);
}

std::string signedText(double v, int decimals) {
  return (v > 0 ? "+" : "") + fixed(v, decimals);
}

std::string paint(const std::string& text, const char* colour, bool on) {
  return on && colour != nullptr ? colour + text + kReset : text;
}

std::string shortName(const std::string& name, size_t width) {
  return name.size() <= width ? name : name.substr(0, width - 1) + "~";
}

struct Cell {
  std::string text;
  const char* colour = nullptr;  // ANSI colour when the output is a terminal
};

// `text` followed by spaces up to `width` columns.
std::string leftPad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

struct Column {
  size_t width;       // the default; a wider cell widens the column
  bool left = false;  // left-aligned (names, the pct codes); numbers are right-aligned
};

// Rows of cells in columns. A column is as wide as its default or its widest cell plus one
// space, whichever is more, so two figures never run together (+486.1%+1378.1%), whatever
// their magnitude; the usual figures keep the default widths. note() prints a text after the
// first column instead of cells.
class TextTable {
 public:
  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void add(std::vector<Cell> row) {
    for (size_t i = 0; i < row.size() && i < columns_.size(); ++i) {
      size_t needed = row[i].text.size() + (i == 0 || columns_[i].left ? 0 : 1);
      columns_[i].width = std::max(columns_[i].width, needed);
    }
    rows_.push_back({std::move(row), ""});
  }
  void note(const std::string& first, const std::string& text) {
    rows_.push_back({{{first}}, text});
  }

  std::string render(bool colour) const {
    std::string out;
    for (const auto& [cells, note] : rows_) {
      std::string line;
      for (size_t i = 0; i < cells.size() && i < columns_.size(); ++i) {
        std::string fill(columns_[i].width - cells[i].text.size(), ' ');
        std::string text = paint(cells[i].text, cells[i].colour, colour);
        line += columns_[i].left ? text + fill : fill + text;
      }
      line += note;
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

 private:
  std::vector<Column> columns_;
  std::vector<std::pair<std::vector<Cell>, std::string>> rows_;
};

std::string headerSection(const Report& r, bool colour) {
  std::string out = paint("Experiment " + (r.ns.empty() ? "" : r.ns + "/") + r.name, kBold, colour);
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

// The pct column: which requests the percentiles cover, in a few letters.
std::string scopeCode(const VersionFigures& v) {
  if (v.percentileSource == PercentileSource::kSketch && v.percentileRuns < v.runs)
    return "last " + std::to_string(v.percentileRuns);
  return percentileSourceColumn(v.percentileSource);
}

// What each pct code used in the table means, in the order of first use.
std::string scopeLegend(const Report& r) {
  static const std::map<std::string, std::string> meanings{
      {"all", "all = every run's successful responses, from the latency sketch (within 0.5 %)"},
      {"last", "last N = the same, of the last N runs (earlier ones predate the sketch)"},
      {"exact", "exact = nearest-rank percentiles of the only run's samples"},
      {"exact/L", "exact/L = the same, of the last run only (a status from before the sketch)"},
      {"hist", "hist = interpolated from the merged Fortio histogram"},
      {"hist+F", "hist+F = the same, failures included: the Go handler kept no error histogram"},
  };
  std::vector<std::string> used;
  for (const auto& v : r.versions) {
    std::string code = scopeCode(v);
    if (code.rfind("last ", 0) == 0) code = "last";
    if (!code.empty() && std::find(used.begin(), used.end(), code) == used.end())
      used.push_back(code);
  }
  std::string text = "Latency in ms of successful responses only; * = baseline.";
  for (size_t i = 0; i < used.size(); ++i)
    text += (i == 0 ? " pct: " : " ") + meanings.at(used[i]) + ".";
  std::string out;
  for (const auto& line : wrapWords(text, 98)) out += line + "\n";
  return out;
}

std::string versionsSection(const Report& r, bool colour) {
  TextTable table({{14, true}, {9}, {9}, {8}, {8}, {8}, {8}, {8}, {8}, {8}, {0, true}});
  std::vector<Cell> header{{"version"}, {"requests"}, {"qps"}, {"errors"}, {"mean"}};
  for (double p : reportPercentiles()) header.push_back({percentileLabel(p)});
  header.push_back({"  pct"});
  table.add(header);
  for (const auto& v : r.versions) {
    std::string name = shortName(v.name, 13) + (v.role == Role::kBaseline ? "*" : "");
    if (!v.measured) {
      table.note(leftPad(name, 14), "  not measured by metrics/collect");
      continue;
    }
    std::string errors = fixed(v.errorRatePercent, v.errorRatePercent == 100 ? 0 : 2) + "%";
    std::vector<Cell> row{{name},
                          {std::to_string(v.requests)},
                          {fixed(v.actualQps, 2)},
                          {errors, v.errors > 0 ? kRed : nullptr},
                          {ms(v.meanMs)}};
    for (const auto& p : v.percentilesMs) row.push_back({ms(p)});
    row.push_back({"  " + scopeCode(v)});
    table.add(row);
  }
  return table.render(colour) + scopeLegend(r);
}

std::string interruptionsSection(const Report& r) {
  std::string out;
  for (const auto& v : r.versions) {
    std::vector<std::string> lines = interruptionLines(v);
    std::string trouble = sendingTrouble(v);
    if (!trouble.empty()) lines.push_back(trouble);
    for (const auto& line : lines) out += "  " + v.name + ": " + line + "\n";
  }
  return out.empty() ? "" : "\nLoad not as planned\n" + out;
}

std::string errorsSection(const Report& r, bool colour) {
  std::string out;
  for (const auto& v : r.versions) {
    if (v.errorReasons.empty()) continue;
    std::string reasons;
    for (const auto& [reason, n] : v.errorReasons) {
      reasons += (reasons.empty() ? "" : ", ") + reason + ": " + std::to_string(n);
    }
    bool allFailed = v.errors == v.requests && v.requests > 0;
    std::string line = v.name + ": " + std::to_string(v.errors) + " of " +
                       std::to_string(v.requests) + " (" + reasons + ")" +
                       (allFailed ? "  ALL FAILED" : "");
    // Many reasons wrap, indented, to stay within 100 columns.
    std::vector<std::string> lines = wrapWords(line, 94);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string text = lines[i];
      if (allFailed && i + 1 == lines.size() && colour) {
        size_t at = text.rfind("ALL FAILED");
        if (at != std::string::npos) text = text.substr(0, at) + paint("ALL FAILED", kRed, true);
      }
      out += (i == 0 ? "  " : "      ") + text + "\n";
    }
  }
  return out.empty() ? "" : "\nErrors\n" + out;
}

// One figure of a difference row: absolute (2 decimals) or relative (1 decimal, %); red when
// worse (higher), green when better.
Cell differenceCell(const Difference& d, bool relative) {
  const std::optional<double>& v = relative ? d.percent : d.absolute;
  if (!v) return {"-"};
  std::string text = signedText(*v, relative ? 1 : 2) + (relative ? "%" : "");
  return {text, *v > 0 ? kRed : *v < 0 ? kGreen : nullptr};
}

// Two rows per candidate: the difference in ms (errors in percentage points), then in % of the
// baseline's figure. Lower is better everywhere.
std::string comparisonSection(const Report& r, bool colour) {
  if (r.comparisons.empty()) return "";
  TextTable table({{20, true}, {8}, {8}, {8}, {8}, {8}, {8}, {11}});
  std::vector<Cell> header{{"version"}, {"mean"}};
  for (double p : reportPercentiles()) header.push_back({percentileLabel(p)});
  header.push_back({"errors"});
  table.add(header);
  for (const auto& c : r.comparisons) {
    std::vector<Cell> ms{{leftPad(shortName(c.version, 13), 14) + "ms"},
                         differenceCell(c.meanMs, false)};
    std::vector<Cell> pct{{std::string(14, ' ') + "%"}, differenceCell(c.meanMs, true)};
    for (const auto& d : c.percentilesMs) {
      ms.push_back(differenceCell(d, false));
      pct.push_back(differenceCell(d, true));
    }
    // A relative change of a rate misleads: errors only in percentage points.
    ms.push_back({c.errorRate.absolute ? signedText(*c.errorRate.absolute, 2) + " pp" : "-"});
    table.add(ms);
    table.add(pct);
  }
  return "\nCandidates - baseline " + r.baseline + " (lower is better)\n" + table.render(colour);
}

}  // namespace

std::string renderTable(const Report& r, bool colour) {
  return headerSection(r, colour) + versionsSection(r, colour) + interruptionsSection(r) +
         errorsSection(r, colour) + comparisonSection(r, colour) + verdictTableSection(r.verdict);
}

}  // namespace iter8::report
