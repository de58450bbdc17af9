// Which status fields the Experiment CRD keeps. The CRD (iter8.tools/v2alpha2) is
// apiextensions.k8s.io/v1 with a structural schema, so a real API server silently drops
// ("prunes") every status field its schema does not declare, except below fields marked
// x-kubernetes-preserve-unknown-fields (status.analysis.aggregatedBuiltinHists.data). A task
// that writes such a field works on a local file and loses it in a cluster; the host warns.
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8 {

// The fields the schema declares under status, one pattern a leaf: members joined by '.',
// `*` for any key of a map (additionalProperties), `[]` for the items of a list, and `**` for
// everything below a preserved field ("analysis.aggregatedBuiltinHists.data.**").
const std::vector<std::string>& keptStatusFieldPatterns();

// The fields of a status merge patch a cluster would drop, as "status.a.b" (list items as
// "[i]"), outermost first: below a dropped field nothing more is listed. Nulls (deletions)
// are never dropped fields.
std::vector<std::string> statusFieldsACrdDrops(const rapidjson::Value& statusPatch);

}  // namespace iter8
