// The HTML report: one file, inline CSS and SVG, no script, no font, no external resource, so
// it can be attached to a ticket or opened offline. The log/linear switch of the histogram is
// two radio buttons and CSS (:checked), not JavaScript.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "host/report/report_render.h"
#include "host/report/version_latency.h"
#include "lib/text.h"

namespace iter8::report {
namespace {

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};

const char* colourOf(size_t i) {
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

std::string num(double v, int decimals = 2) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string ms(const std::optional<double>& v) {
  if (!v) return "&ndash;";
  return num(*v, *v >= 100 ? 1 : *v >= 0.1 || *v == 0 ? 2 : 3);
}

constexpr double kWidth = 640, kHeight = 300, kLeft = 64, kRight = 20, kTop = 14, kBottom = 48;

struct Axis {
  double lo, hi;
  bool log;
  double operator()(double v) const {
    double a = log ? std::log10(std::max(v, lo)) : v;
    double l = log ? std::log10(lo) : lo, h = log ? std::log10(hi) : hi;
    double t = h > l ? (a - l) / (h - l) : 0;
    return kLeft + t * (kWidth - kLeft - kRight);
  }
};

double yOf(double v, double top) {
  double t = top > 0 ? v / top : 0;
  return kTop + (1 - t) * (kHeight - kTop - kBottom);
}

std::string svgOpen(const std::string& id, const std::string& label) {
  return "<svg id=\"" + id + "\" role=\"img\" aria-label=\"" + escapeHtml(label) +
         "\" viewBox=\"0 0 " + num(kWidth, 0) + " " + num(kHeight, 0) +
         "\" preserveAspectRatio=\"xMidYMid meet\">\n";
}

std::string axisLines() {
  return "<line class=\"axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(kHeight - kBottom) +
         "\" x2=\"" + num(kWidth - kRight) + "\" y2=\"" + num(kHeight - kBottom) + "\"/>\n" +
         "<line class=\"axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(kTop) + "\" x2=\"" +
         num(kLeft) + "\" y2=\"" + num(kHeight - kBottom) + "\"/>\n";
}

std::string text(double x, double y, const std::string& body, const char* anchor = "middle") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\">" + body +
         "</text>\n";
}

// The round step (1, 2 or 5 times a power of ten) that cuts `span` into at most `parts`.
double roundStep(double span, int parts) {
  double raw = span / parts;
  if (!(raw > 0)) return 1;
  double power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

// Ticks of a latency axis. Log: 1, 2 and 5 times each power of ten over up to three decades,
// else powers of ten only, every k-th one beyond eight decades, so labels never overlap.
// Linear: round steps.
std::vector<double> ticks(const Axis& axis) {
  std::vector<double> out;
  if (axis.log) {
    double decades = std::log10(axis.hi / axis.lo);
    int every = decades <= 8 ? 1 : static_cast<int>(std::ceil(decades / 8));
    std::vector<double> multiples =
        decades <= 3 ? std::vector<double>{1, 2, 5} : std::vector<double>{1};
    int n = 0;
    for (double decade = std::pow(10, std::floor(std::log10(axis.lo))); decade <= axis.hi;
         decade *= 10, ++n) {
      if (n % every != 0) continue;
      for (double m : multiples) {
        double v = decade * m;
        if (v >= axis.lo * (1 - 1e-9) && v <= axis.hi * (1 + 1e-9)) out.push_back(v);
      }
    }
  } else {
    double step = roundStep(axis.hi - axis.lo, 5);
    for (double v = std::ceil(axis.lo / step) * step; v <= axis.hi * (1 + 1e-9); v += step)
      out.push_back(v);
  }
  return out;
}

// Round steps (1, 2 or 5 times a power of ten) giving about four ticks up to `top`, which is
// raised to the next step so the highest tick is the top of the chart.
std::vector<double> valueTicks(double& top) {
  double step = roundStep(top, 4);
  top = std::ceil(top / step) * step;
  std::vector<double> out;
  for (double v = 0; v <= top * (1 + 1e-9); v += step) out.push_back(v);
  return out;
}

// A round tick value as written, short and never in exponent form: 20, 2.5, 0.005, and from
// 10,000 on with k or M (200k, 1M) so that labels fit the chart's margins.
std::string roundLabel(double v) {
  if (v >= 1e6) return roundLabel(v / 1e6) + "M";
  if (v >= 1e4) return roundLabel(v / 1e3) + "k";
  char text[48];
  std::snprintf(text, sizeof text, "%.9f", v);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

// The buckets to draw: the sketch's (about 1 % wide) when recorded, else Fortio's (5 ms wide
// at 40 ms, so a whole version could sit in one bar).
const std::vector<LatencyBucket>& bucketsOf(const VersionFigures& v) {
  return v.fineHistogram.empty() ? v.histogram : v.fineHistogram;
}

// The latencies every version's buckets span, for a shared x axis. `positive`: for a log axis,
// only buckets ending above 0 count, and a bucket starting at 0 counts from its end.
struct LatencySpan {
  double lo = 0, hi = 0;
  bool any = false;
};
LatencySpan latencySpan(const Report& r, bool positive) {
  LatencySpan span;
  for (const auto& v : r.versions) {
    for (const auto& b : bucketsOf(v)) {
      if (positive && b.endMs <= 0) continue;
      const double start = positive && b.startMs <= 0 ? b.endMs : b.startMs;
      span.lo = span.any ? std::min(span.lo, start) : start;
      span.hi = span.any ? std::max(span.hi, b.endMs) : b.endMs;
      span.any = true;
    }
  }
  return span;
}

// Vertical grid lines and their labels at the x axis's ticks.
std::string xGrid(const Axis& x) {
  std::string svg;
  for (double t : ticks(x)) {
    svg += "<line class=\"grid\" x1=\"" + num(x(t)) + "\" y1=\"" + num(kTop) + "\" x2=\"" +
           num(x(t)) + "\" y2=\"" + num(kHeight - kBottom) + "\"/>\n";
    svg += text(x(t), kHeight - kBottom + 20, roundLabel(t));
  }
  return svg;
}

std::string histogramSvg(const Report& r, bool log) {
  auto [lo, hi, any] = latencySpan(r, false);
  double top = 0;
  for (const auto& v : r.versions) {
    for (const auto& b : bucketsOf(v)) {
      if (v.successes > 0) {
        top =
            std::max(top, 100.0 * static_cast<double>(b.count) / static_cast<double>(v.successes));
      }
    }
  }
  std::string id = log ? "latency-histogram-log" : "latency-histogram-linear";
  std::string svg = svgOpen(id, std::string("Latency histograms of successful responses, ") +
                                    (log ? "log" : "linear") + " scale");
  if (!any)
    return svg + text(kWidth / 2, kHeight / 2, "no successful response recorded") + "</svg>\n";
  if (log) lo = std::max(lo, hi / 1e12);
  if (log && lo <= 0) lo = 1e-3;
  if (!log) lo = 0;
  if (hi <= lo) hi = lo * 2 + 1;
  if (!log) hi = std::ceil(hi / roundStep(hi, 5)) * roundStep(hi, 5);
  Axis x{lo, hi, log};
  top = std::min(top * 1.05, 100.0);  // a share: the axis never passes 100 %
  svg += axisLines() + xGrid(x);
  for (double v : valueTicks(top))
    svg += text(kLeft - 6, yOf(v, top) + 4, roundLabel(v) + "%", "end");
  svg += text((kWidth + kLeft) / 2, kHeight - 6, "latency (ms)");
  for (size_t i = 0; i < r.versions.size(); ++i) {
    const VersionFigures& v = r.versions[i];
    if (bucketsOf(v).empty()) continue;
    std::string points;
    double base = yOf(0, top);
    for (const auto& b : bucketsOf(v)) {
      double share = 100.0 * static_cast<double>(b.count) / static_cast<double>(v.successes);
      double y = yOf(share, top);
      double x0 = x(b.startMs), x1 = std::max(x(b.endMs), x0 + 1);
      points += num(x0) + "," + num(base) + " " + num(x0) + "," + num(y) + " " + num(x1) + "," +
                num(y) + " " + num(x1) + "," + num(base) + " ";
    }
    svg += "<polygon class=\"series\" data-version=\"" + escapeHtml(v.name) + "\" fill=\"" +
           colourOf(i) + "\" stroke=\"" + colourOf(i) + "\" points=\"" + points + "\"><title>" +
           escapeHtml(v.name) + "</title></polygon>\n";
  }
  return svg + "</svg>\n";
}

// The share of successful responses faster than x, on a log x axis: the versions' tails side
// by side (the top 1 % is the last centimetre of each curve).
std::string cumulativeSvg(const Report& r) {
  auto [lo, hi, any] = latencySpan(r, true);
  std::string svg =
      svgOpen("latency-cdf", "Share of successful responses faster than a latency, log scale");
  if (!any)
    return svg + text(kWidth / 2, kHeight / 2, "no successful response recorded") + "</svg>\n";
  lo = std::max(lo, hi / 1e12);
  if (hi <= lo) hi = lo * 2;
  Axis x{lo, hi, true};
  double top = 100;
  svg += axisLines() + xGrid(x);
  for (double v : valueTicks(top)) {
    svg += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" y1=\"" + num(yOf(v, top)) + "\" x2=\"" +
           num(kWidth - kRight) + "\" y2=\"" + num(yOf(v, top)) + "\"/>\n";
    svg += text(kLeft - 6, yOf(v, top) + 4, roundLabel(v) + "%", "end");
  }
  svg += text((kWidth + kLeft) / 2, kHeight - 6, "latency (ms), log scale");
  for (size_t i = 0; i < r.versions.size(); ++i) {
    const VersionFigures& v = r.versions[i];
    int64_t total = 0;
    for (const auto& b : bucketsOf(v)) total += b.count;
    if (total == 0) continue;
    int64_t running = 0;
    std::string points = num(x(bucketsOf(v).front().startMs)) + "," + num(yOf(0, top)) + " ";
    for (const auto& b : bucketsOf(v)) {
      running += b.count;
      points += num(x(b.endMs)) + "," +
                num(yOf(100.0 * static_cast<double>(running) / static_cast<double>(total), top)) +
                " ";
    }
    svg += "<polyline class=\"line\" data-version=\"" + escapeHtml(v.name) + "\" stroke=\"" +
           colourOf(i) + "\" points=\"" + points + "\"><title>" + escapeHtml(v.name) +
           "</title></polyline>\n";
  }
  return svg + "</svg>\n";
}

std::string percentileSvg(const Report& r) {
  double top = 0;
  for (const auto& v : r.versions) {
    for (const auto& p : v.percentilesMs) {
      if (p) top = std::max(top, *p);
    }
  }
  std::string svg = svgOpen("percentile-chart", "Latency percentiles of successful responses");
  if (top <= 0)
    return svg + text(kWidth / 2, kHeight / 2, "no successful response recorded") + "</svg>\n";
  top *= 1.05;
  svg += axisLines();
  const auto& ps = reportPercentiles();
  auto xOf = [&](size_t i) {
    return kLeft + (static_cast<double>(i) + 0.5) * (kWidth - kLeft - kRight) /
                       static_cast<double>(ps.size());
  };
  for (size_t i = 0; i < ps.size(); ++i) {
    svg += text(xOf(i), kHeight - kBottom + 20, percentileLabel(ps[i]));
  }
  for (double v : valueTicks(top)) {
    svg += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" y1=\"" + num(yOf(v, top)) + "\" x2=\"" +
           num(kWidth - kRight) + "\" y2=\"" + num(yOf(v, top)) + "\"/>\n";
    svg += text(kLeft - 6, yOf(v, top) + 4, roundLabel(v), "end");
  }
  for (size_t vi = 0; vi < r.versions.size(); ++vi) {
    const VersionFigures& v = r.versions[vi];
    std::string points, dots;
    for (size_t i = 0; i < ps.size() && i < v.percentilesMs.size(); ++i) {
      if (!v.percentilesMs[i]) continue;
      double x = xOf(i), y = yOf(*v.percentilesMs[i], top);
      points += num(x) + "," + num(y) + " ";
      dots += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"4\" fill=\"" + colourOf(vi) +
              "\"><title>" + escapeHtml(v.name) + " " + percentileLabel(ps[i]) + ": " +
              ms(v.percentilesMs[i]) + " ms</title></circle>\n";
    }
    if (points.empty()) continue;
    svg += "<polyline class=\"line\" data-version=\"" + escapeHtml(v.name) + "\" stroke=\"" +
           colourOf(vi) + "\" points=\"" + points + "\"/>\n" + dots;
  }
  return svg + "</svg>\n";
}

std::string legend(const Report& r) {
  std::string out = "<p class=\"legend\">";
  for (size_t i = 0; i < r.versions.size(); ++i) {
    out += "<span><i style=\"background:" + std::string(colourOf(i)) + "\"></i>" +
           escapeHtml(r.versions[i].name) + "</span> ";
  }
  return out + "</p>\n";
}

// Runs stopped before their end and sends that did not go out as planned, per version: the
// figures above then describe less load than the experiment asked for.
std::string interruptionList(const Report& r) {
  std::string items;
  for (const auto& v : r.versions) {
    for (const auto& line : interruptionLines(v))
      items += "<li><b>" + escapeHtml(v.name) + "</b>: " + escapeHtml(line) + "</li>\n";
    std::string trouble = sendingTrouble(v);
    if (!trouble.empty())
      items += "<li><b>" + escapeHtml(v.name) + "</b>: " + escapeHtml(trouble) + "</li>\n";
  }
  if (items.empty()) return "";
  return "<ul id=\"interruptions\" class=\"warn\">\n" + items + "</ul>\n";
}

std::string summaryTable(const Report& r) {
  std::string out =
      "<div class=\"scroll\"><table id=\"summary\">\n<thead><tr><th>version</th><th>role</th>"
      "<th>requests</th><th>qps</th><th>errors</th><th>mean</th>";
  for (double p : reportPercentiles()) out += "<th>" + percentileLabel(p) + "</th>";
  out += "<th>percentiles of</th></tr></thead>\n<tbody>\n";
  for (const auto& v : r.versions) {
    out += "<tr><td>" + escapeHtml(v.name) + "</td><td>" + escapeHtml(roleText(v.role)) + "</td>";
    if (!v.measured) {
      out += "<td colspan=\"" + std::to_string(5 + reportPercentiles().size()) +
             "\">not measured by metrics/collect</td></tr>\n";
      continue;
    }
    out += "<td>" + std::to_string(v.requests) + "</td><td>" + num(v.actualQps) + "</td><td" +
           (v.errors > 0 ? " class=\"bad\"" : "") + ">" + num(v.errorRatePercent) + "%</td><td>" +
           ms(v.meanMs) + "</td>";
    for (const auto& p : v.percentilesMs) out += "<td>" + ms(p) + "</td>";
    std::string scope = percentileScope(v);
    out += "<td>" + escapeHtml(scope.empty() ? "-" : scope) + "</td></tr>\n";
  }
  out +=
      "</tbody></table></div>\n<p class=\"note\">Latency in ms of successful responses only. "
      "Percentiles of every run come from a mergeable sketch, within 0.5 % of the exact "
      "value.</p>\n" +
      interruptionList(r);
  if (!r.comparisons.empty()) {
    out +=
        "<h2>Candidates vs baseline " + escapeHtml(r.baseline) +
        "</h2>\n"
        "<div class=\"scroll\"><table id=\"comparison\"><thead><tr><th>version</th><th>mean</th>";
    for (double p : reportPercentiles()) out += "<th>" + percentileLabel(p) + "</th>";
    out += "<th>errors</th></tr></thead>\n<tbody>\n";
    // The relative change goes on a line of its own, so a column is as wide as its longer
    // figure, not both side by side: the table fits a 1280-px window at any magnitude.
    auto cell = [](const Difference& d) {
      if (!d.absolute) return std::string("<td>&ndash;</td>");
      std::string cls = *d.absolute > 0   ? " class=\"bad\""
                        : *d.absolute < 0 ? " class=\"good\""
                                          : "";
      std::string t = (*d.absolute > 0 ? "+" : "") + num(*d.absolute);
      if (d.percent)
        t += "<br><small>" + std::string(*d.percent > 0 ? "+" : "") + num(*d.percent, 1) +
             "%</small>";
      return "<td" + cls + ">" + t + "</td>";
    };
    for (const auto& c : r.comparisons) {
      out += "<tr><td>" + escapeHtml(c.version) + "</td>" + cell(c.meanMs);
      for (const auto& d : c.percentilesMs) out += cell(d);
      Difference points = c.errorRate;
      points.percent.reset();
      out += cell(points) + "</tr>\n";
    }
    out +=
        "</tbody></table></div>\n<p class=\"note\">Candidate minus baseline: latency in ms "
        "(below it, in % of the baseline's), errors in percentage points. Lower is "
        "better.</p>\n";
  }
  return out;
}

std::string errorSection(const Report& r) {
  std::string out = "<section id=\"errors\"><h2>Errors</h2>\n";
  bool any = false;
  for (const auto& v : r.versions) any = any || !v.errorReasons.empty();
  if (!any) return out + "<p>No request failed.</p></section>\n";
  out +=
      "<div class=\"scroll\"><table id=\"error-table\"><thead><tr><th>version</th>"
      "<th>reason</th><th>requests</th><th>share</th></tr></thead><tbody>\n";
  for (const auto& v : r.versions) {
    for (const auto& [reason, n] : v.errorReasons) {
      double share =
          v.requests > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(v.requests) : 0;
      out += "<tr><td>" + escapeHtml(v.name) + "</td><td>" + escapeHtml(reason) + "</td><td>" +
             std::to_string(n) + "</td><td><span class=\"bar\" style=\"width:" + num(share, 1) +
             "%\"></span>" + num(share, 1) + "%</td></tr>\n";
    }
  }
  return out + "</tbody></table></div></section>\n";
}

const char* kStyle = R"css(
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#5b6470;--line:#d0d7de}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;--line:#30363d}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1240px;padding:12px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}
.meta,.note{color:var(--muted);font-size:.9em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;width:100%}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
.bad{color:#cf222e}.good{color:#1a7f37}
svg{width:100%;max-width:1000px;height:auto;display:block}
svg text{font-size:17px;fill:var(--muted)}
@media (max-width:600px){th,td{padding:3px 5px;font-size:13px}#summary th:nth-child(2),#summary td:nth-child(2){display:none}}
.axis{stroke:var(--muted)}.grid{stroke:var(--line);stroke-dasharray:2 3}
.series{fill-opacity:.25;stroke-width:1.5}
.line{fill:none;stroke-width:2}
.legend span{margin-right:1em;white-space:nowrap}.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
.warn{color:#9a6700}
#comparison small{color:inherit;opacity:.8}
.bar{display:inline-block;height:.7em;background:#cf222e;margin-right:.4em;max-width:60%}
#scale-log:checked~.charts #latency-histogram-linear,#scale-linear:checked~.charts #latency-histogram-log{display:none}
)css";

}  // namespace

std::string renderHtml(const Report& r) {
  std::string title = "Iter8 report: " + (r.ns.empty() ? "" : r.ns + "/") + r.name;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n<title>" +
      escapeHtml(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>" + escapeHtml(title) + "</h1>\n<p class=\"meta\">";
  if (!r.stage.empty()) out += "stage <b>" + escapeHtml(r.stage) + "</b> &middot; ";
  if (r.winnerFound) {
    out += "winner <b>" +
           escapeHtml(*r.winnerFound ? (r.winner.empty() ? "found" : r.winner) : "not found") +
           "</b> &middot; ";
  }
  if (!r.recommendedVersion.empty()) {
    out += "recommended <b>" + escapeHtml(r.recommendedVersion) + "</b> &middot; ";
  }
  out += "baseline <b>" + escapeHtml(r.baseline.empty() ? "none" : r.baseline) + "</b>";
  if (!r.collectedAt.empty()) out += " &middot; collected " + escapeHtml(r.collectedAt);
  out += "</p>\n";
  if (!r.conditions.empty()) {
    out += "<ul id=\"conditions\" class=\"meta\">\n";
    for (const auto& c : r.conditions) {
      out += "<li>" + escapeHtml(c.type) + " = " + escapeHtml(c.status) +
             (c.reason.empty() ? "" : " (" + escapeHtml(c.reason) + ")") +
             (c.message.empty() ? "" : ": " + escapeHtml(c.message)) + "</li>\n";
    }
    out += "</ul>\n";
  }
  out += "<h2>Summary</h2>\n" + summaryTable(r);
  out += verdictHtmlSection(r.verdict);
  out +=
      "<h2>Latency distribution</h2>\n"
      "<input type=\"radio\" name=\"scale\" id=\"scale-linear\" checked>"
      "<label for=\"scale-linear\"> linear</label> "
      "<input type=\"radio\" name=\"scale\" id=\"scale-log\"><label for=\"scale-log\"> log "
      "scale</label>\n<div class=\"charts\">\n" +
      legend(r) + histogramSvg(r, false) + histogramSvg(r, true) +
      "<p class=\"note\">Share of each version's successful responses per histogram bucket.</p>\n"
      "</div>\n";
  out += "<h2>Cumulative distribution</h2>\n" + legend(r) + cumulativeSvg(r) +
         "<p class=\"note\">Share of each version's successful responses faster than the "
         "latency on the x axis (log scale): the further left and the steeper the curve's top, "
         "the shorter the tail.</p>\n";
  out += "<h2>Percentiles</h2>\n" + legend(r) + percentileSvg(r) +
         "<p class=\"note\">Latency in ms of successful responses, p50 to p99.9.</p>\n";
  out += errorSection(r);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace iter8::report
