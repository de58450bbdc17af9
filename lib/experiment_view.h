// The experiment as etc3's Go code saw it: a v2alpha2.Experiment with its ObjectMeta embedded,
// and the methods WinnerFound() and CandidateWon(). Shared by the host (`if:` conditions) and
// common/run (`run:` templates), so both give the same answers.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace iter8 {

// status.analysis.winnerAssessment.data.winnerFound is true.
bool experimentWinnerFound(const rapidjson::Value& experiment);

// etc3's CandidateWon(): a winner was found, spec.versionInfo has exactly one candidate, and
// that candidate is the winner. False (never a panic, unlike etc3) when `winner` or
// `versionInfo` is absent.
bool experimentCandidateWon(const rapidjson::Value& experiment);

// The experiment's members (apiVersion, kind, metadata, spec, status) with the members Go
// promotes from the embedded ObjectMeta and TypeMeta at the top level: every member of
// `metadata` (so `.Labels` finds labels), `Name` and `Namespace` always (an empty string when
// unset, as Go prints an unset string field), `ObjectMeta` (metadata itself), `APIVersion`
// and `UID`, and `Experiment` (the
// experiment itself, as etc3's core.Experiment embeds v2alpha2.Experiment). Read it with Go
// field names: the key as written, else with its first letter in lower case.
rapidjson::Document goExperimentView(const rapidjson::Value& experiment);

// Member `name` of `object` by Go field name: the key as written, else the key with its first
// letter in lower case (`Spec` finds spec). nullptr when neither exists or `object` is not an
// object.
const rapidjson::Value* findGoField(const rapidjson::Value& object, std::string_view name);

}  // namespace iter8
