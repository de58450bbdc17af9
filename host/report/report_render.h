// The three forms of `handler report`. Each returns the whole document as text.
#pragma once

#include <string>

#include "host/report/report_model.h"

namespace iter8::report {

// The words of the JSON and HTML forms (docs/report.md): "baseline", "candidate", "pseudo".
std::string roleText(Role role);

// "exact", "exact (last run)", "histogram", "histogram (failures included)"; "" for kNone.
std::string percentileSourceText(PercentileSource source);

// The same in the table's pct column: "exact", "exact/L", "hist", "hist+F"; "" for kNone.
std::string percentileSourceColumn(PercentileSource source);

// Aligned plain text that fits 100 columns; ANSI colour only when `colour` (the caller decides:
// a terminal and no NO_COLOR).
std::string renderTable(const Report& report, bool colour);

// Stable field names documented in docs/report.md; numbers in ms and percent; null where a
// figure does not exist (no successful response, no baseline).
std::string renderJson(const Report& report);

// One self-contained HTML page: inline SVG charts and CSS, no script loaded from elsewhere,
// no font, no request leaves the page.
std::string renderHtml(const Report& report);

}  // namespace iter8::report
