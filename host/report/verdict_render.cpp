// The verdict in the report's three forms: a table section, a JSON member, an HTML section.
#include <cstdio>

#include "host/report/verdict.h"
#include "lib/text.h"

namespace iter8::report {
namespace {

using Allocator = rapidjson::Value::AllocatorType;

std::string valueText(const std::optional<double>& v) {
  if (!v) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", *v);
  return text;
}

// "30 pass", "0.125 FAIL", "not evaluated offline"; with --confidence "0.03 ? [0.01, 0.09]".
std::string cellText(const ObjectiveRow& row, const ObjectiveCheck& check) {
  if (!row.evaluated) return "not evaluated offline";
  std::string text = valueText(check.value) + (check.inconclusive ? " ?"
                                               : check.pass       ? " pass"
                                                                  : " FAIL");
  if (check.interval) {
    text += " [" + valueText(check.interval->low) + ", " + valueText(check.interval->high) + "]";
  }
  return text;
}

// One line per inconclusive objective and version (--confidence).
std::vector<std::string> inconclusiveLines(const Verdict& v) {
  std::vector<std::string> out;
  for (const auto& row : v.objectives) {
    for (const auto& [name, check] : row.versions) {
      if (check.inconclusive) {
        out.push_back(name + " " + row.metric + ": inconclusive at " +
                      valueText(100 * *v.confidence) + " %, " + moreRequestsText(check));
      }
    }
  }
  return out;
}

std::string pad(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string winnerLine(const Verdict& v) {
  std::string line = v.winnerFound ? "winner: " + v.winner : "winner: none";
  const std::string prefix = "Error: ; Warning: ; Info: ";
  std::string why = v.message.rfind(prefix, 0) == 0 ? v.message.substr(prefix.size()) : v.message;
  if (!why.empty()) line += " (" + why + ")";
  return line + "  recommended: " + v.recommended;
}

rapidjson::Value text(const std::string& s, Allocator& a) {
  return rapidjson::Value(s.c_str(), a);
}

rapidjson::Value orNull(const std::string& s, Allocator& a) {
  return s.empty() ? rapidjson::Value() : text(s, a);
}

rapidjson::Value objectiveJson(const ObjectiveRow& row, Allocator& a) {
  rapidjson::Value o(rapidjson::kObjectType);
  o.AddMember("metric", text(row.metric, a), a);
  o.AddMember("upperLimit", orNull(row.upperLimit, a), a);
  o.AddMember("lowerLimit", orNull(row.lowerLimit, a), a);
  o.AddMember("evaluated", row.evaluated, a);
  rapidjson::Value versions(rapidjson::kObjectType);
  for (const auto& [name, check] : row.versions) {
    rapidjson::Value c(rapidjson::kObjectType);
    c.AddMember("value", check.value ? rapidjson::Value(*check.value) : rapidjson::Value(), a);
    c.AddMember("pass", row.evaluated ? rapidjson::Value(check.pass) : rapidjson::Value(), a);
    if (check.interval) {
      rapidjson::Value interval(rapidjson::kArrayType);
      interval.PushBack(check.interval->low, a).PushBack(check.interval->high, a);
      c.AddMember("interval", interval, a);
      c.AddMember("inconclusive", check.inconclusive, a);
      c.AddMember(
          "moreRequests",
          check.moreRequests > 0 ? rapidjson::Value(check.moreRequests) : rapidjson::Value(), a);
    }
    versions.AddMember(text(name, a), c, a);
  }
  o.AddMember("versions", versions, a);
  return o;
}

}  // namespace

std::string verdictTableSection(const Verdict& v) {
  if (!v.available)
    return "\nVerdict (Iter8's rules, offline)\n  cannot analyse: " + v.error + "\n";
  std::string out =
      "\nVerdict (Iter8's rules, offline; " + v.pattern +
      (v.confidence ? "; intervals at " + valueText(100 * *v.confidence) + " %" : "") + ")\n";
  const size_t width = v.confidence ? 30 : 16;
  if (v.objectives.empty()) {
    out += "  no objectives: every version is feasible\n";
  } else {
    out += pad("objective", 38) + pad("limit", 14);
    for (const auto& name : v.versions) out += pad(name, width);
    while (out.back() == ' ') out.pop_back();
    out += "\n";
    for (const auto& row : v.objectives) {
      out += pad(row.metric, 38) + pad(limitText(row), 14);
      for (const auto& name : v.versions) out += pad(cellText(row, row.versions.at(name)), width);
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += "\n";
    }
  }
  out += winnerLine(v) + "\n";
  for (const auto& w : verdictWarnings(v)) out += "! " + w + "\n";
  if (v.confidence) {
    for (const auto& line : inconclusiveLines(v)) out += "? " + line + "\n";
  }
  return out;
}

rapidjson::Value verdictJson(const Verdict& v, Allocator& a) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("error", orNull(v.error, a), a);
  if (!v.available) return out;
  out.AddMember("testingPattern", text(v.pattern, a), a);
  rapidjson::Value objectives(rapidjson::kArrayType);
  for (const auto& row : v.objectives) objectives.PushBack(objectiveJson(row, a), a);
  out.AddMember("objectives", objectives, a);
  out.AddMember("winnerFound", v.winnerFound, a);
  out.AddMember("winner", orNull(v.winner, a), a);
  out.AddMember("message", orNull(v.message, a), a);
  out.AddMember("recommendedVersion", text(v.recommended, a), a);
  rapidjson::Value failures(rapidjson::kObjectType);
  for (const auto& [name, n] : v.transportFailures)
    failures.AddMember(text(name, a), rapidjson::Value(static_cast<int64_t>(n)), a);
  out.AddMember("uncountedFailures", failures, a);
  rapidjson::Value warnings(rapidjson::kArrayType);
  for (const auto& w : verdictWarnings(v)) warnings.PushBack(text(w, a), a);
  out.AddMember("warnings", warnings, a);
  CheckResult check = checkVerdict(v);
  out.AddMember("check", text(check.reason, a), a);
  if (v.confidence) out.AddMember("confidence", *v.confidence, a);
  return out;
}

std::string verdictHtmlSection(const Verdict& v) {
  std::string out = "<h2>Verdict (Iter8's rules, offline)</h2>\n";
  if (!v.available)
    return out + "<p class=\"note\">cannot analyse: " + escapeHtml(v.error) + "</p>\n";
  out += "<table id=\"verdict\">\n<tr><th>objective</th><th>limit</th>";
  for (const auto& name : v.versions) out += "<th>" + escapeHtml(name) + "</th>";
  out += "</tr>\n";
  for (const auto& row : v.objectives) {
    out += "<tr><td>" + escapeHtml(row.metric) + "</td><td>" + escapeHtml(limitText(row)) + "</td>";
    for (const auto& name : v.versions) {
      out += "<td>" + escapeHtml(cellText(row, row.versions.at(name))) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</table>\n<p class=\"meta\">" + escapeHtml(winnerLine(v)) + "</p>\n";
  for (const auto& w : verdictWarnings(v)) {
    out += "<p class=\"note\"><b>! " + escapeHtml(w) + "</b></p>\n";
  }
  if (v.confidence) {
    out += "<p class=\"note\">Intervals at " + valueText(100 * *v.confidence) +
           " %; ? = inconclusive (the interval straddles the limit).</p>\n";
    for (const auto& line : inconclusiveLines(v)) {
      out += "<p class=\"note\"><b>? " + escapeHtml(line) + "</b></p>\n";
    }
  }
  return out;
}

}  // namespace iter8::report
