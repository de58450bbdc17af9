// Which status fields a cluster keeps: the Experiment CRD's status schema, so the host can warn
// when a task writes a field the API server would silently drop (it prunes every member a
// structural schema does not declare), in local mode too, before the task reaches a cluster.
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8 {

// The CRD's `status` schema (OpenAPI v3, descriptions left out).
const rapidjson::Document& crdStatusSchema();

// The members of `statusPatch` (a merge patch of `status`) the API server would drop, as paths
// ("status.analysis.sloAssessments"); members set to null (deletions) are never listed.
std::vector<std::string> fieldsTheCrdDrops(const rapidjson::Value& statusPatch);

// True the first time `path` is given in this process: one warning per field, not per write.
bool firstTimeSeen(const std::string& path);

}  // namespace iter8
