// The body notification/http sends when its `body` input is absent: the Go handler's
// `defaultbody`, key for key.
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace iter8::notification {

// {"summary":{"winnerFound":B,"winner":W,"versionRecommendedForPromotion":V,
//  "lastRecommendedWeights":[{"name":N,"value":X},...]},"experiment":<experiment>} as compact
// JSON. winner, versionRecommendedForPromotion and lastRecommendedWeights are omitted when the
// status lacks them (weights also when the list is empty), as Go's omitempty did.
std::string defaultBody(const rapidjson::Value& experiment);

}  // namespace iter8::notification
