// What a version's recorded result says about its latency over the whole experiment: the
// percentiles and the fine distribution from the mergeable latency sketch (every run merged),
// and the runs that were interrupted. Part of the report's model (report_model.cpp calls it).
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "host/report/report_model.h"

namespace iter8::report {

// Fills v.percentilesMs, v.fineHistogram and v.percentileRuns from result.LatencySketch and
// returns true; false (v untouched) when the result has no sketch or an empty one (a status
// written before the sketch existed, or no successful response). Throws ReportError naming
// `where`.LatencySketch when the sketch is malformed.
bool readLatencySketch(const rapidjson::Value& result, const std::string& where, VersionFigures& v);

// Fills v.interruptions, v.lateSends and v.unsent from the result (absent fields: none).
void readInterruptions(const rapidjson::Value& result, VersionFigures& v);

// Which runs the percentiles cover, in words: "all 3 runs", "the last 2 of 5 runs",
// "the last run of 3 (exact)", "1 run (exact)", "histogram", ...; "" when there are none.
std::string percentileScope(const VersionFigures& v);

// One line per interruption: "run 2 of 3 stopped after 3.2 s of 30 s (96 responses)".
std::vector<std::string> interruptionLines(const VersionFigures& v);

// "14 sends over 1 ms late, 3 sends never made" (the parts that are not zero), or "".
std::string sendingTrouble(const VersionFigures& v);

}  // namespace iter8::report
