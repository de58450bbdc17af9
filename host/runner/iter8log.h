// Iter8Log: the JSON lines etc3's task runner printed on stdout for `iter8ctl debug`, which
// reads them from the Job's log (original-tasks.md section 3.5).
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace iter8 {

// Priorities of Iter8Log lines: 1 for a failed action, 3 for collect's completion.
inline constexpr int kIter8LogPriorityHigh = 1;
inline constexpr int kIter8LogPriorityLow = 3;

// The message of the priority-3 line printed after metrics/collect succeeds.
inline constexpr const char* kCollectCompletedMessage =
    "metrics collection completed for all versions";

// etc3's precedence: 0 for `start`; otherwise status.completedIterations divided (integer
// division) by spec.duration.iterationsPerLoop (15 when absent or not positive), plus 1.
int iter8LogPrecedence(const rapidjson::Value& experiment, const std::string& action);

// One line, without a newline, byte for byte what Go's json.Marshal wrote for etc3's Iter8Log:
// {"isIter8Log":true,"experimentName":N,"experimentNamespace":NS,"source":"task-runner",
//  "priority":P,"message":M,"precedence":X}, strings escaped as Go escapes them (<, >, & as
// \u003c, \u003e, \u0026).
std::string iter8LogLine(const rapidjson::Value& experiment, const std::string& action,
                         const std::string& message, int priority);

// Writes iter8LogLine(...) and a newline to stdout and flushes it, so the line is whole even
// when a task's child process writes to the same stdout afterwards.
void printIter8Log(const rapidjson::Value& experiment, const std::string& action,
                   const std::string& message, int priority);

}  // namespace iter8
