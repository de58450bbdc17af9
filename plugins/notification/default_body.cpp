#include "plugins/notification/default_body.h"

#include "lib/json.h"

namespace iter8::notification {

std::string defaultBody(const rapidjson::Value& experiment) {
  rapidjson::Document body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  rapidjson::Value summary(rapidjson::kObjectType);

  const rapidjson::Value* winnerFound =
      findPointer(experiment, "/status/analysis/winnerAssessment/data/winnerFound");
  summary.AddMember("winnerFound",
                    winnerFound != nullptr && winnerFound->IsBool() && winnerFound->GetBool(), a);
  const rapidjson::Value* winner =
      findPointer(experiment, "/status/analysis/winnerAssessment/data/winner");
  if (winner != nullptr && winner->IsString()) {
    summary.AddMember("winner", rapidjson::Value(*winner, a), a);
  }
  const rapidjson::Value* recommended =
      findPointer(experiment, "/status/versionRecommendedForPromotion");
  if (recommended != nullptr && recommended->IsString()) {
    summary.AddMember("versionRecommendedForPromotion", rapidjson::Value(*recommended, a), a);
  }
  // Only name and value of each weight, as Go copied them into WeightData (a missing name is
  // "", a missing value 0: Go's zero values).
  const rapidjson::Value* weights = findPointer(experiment, "/status/analysis/weights/data");
  if (weights != nullptr && weights->IsArray() && !weights->Empty()) {
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto& weight : weights->GetArray()) {
      const rapidjson::Value* name = findMember(weight, "name");
      const rapidjson::Value* value = findMember(weight, "value");
      rapidjson::Value item(rapidjson::kObjectType);
      item.AddMember("name",
                     name != nullptr && name->IsString() ? rapidjson::Value(*name, a)
                                                         : rapidjson::Value("", a),
                     a);
      item.AddMember(
          "value",
          value != nullptr && value->IsNumber() ? rapidjson::Value(*value, a) : rapidjson::Value(0),
          a);
      list.PushBack(item, a);
    }
    summary.AddMember("lastRecommendedWeights", list, a);
  }

  body.AddMember("summary", summary, a);
  body.AddMember("experiment", rapidjson::Value(experiment, a), a);
  return toJson(body);
}

}  // namespace iter8::notification
