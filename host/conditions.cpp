#include "host/conditions.h"

#include "lib/json.h"

namespace iter8 {
namespace {

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

const rapidjson::Value* path(const rapidjson::Value& root,
                             std::initializer_list<const char*> keys) {
  const rapidjson::Value* current = &root;
  for (const char* key : keys) {
    current = current->IsObject() ? findMember(*current, key) : nullptr;
    if (current == nullptr) return nullptr;
  }
  return current;
}

bool winnerFound(const rapidjson::Value& experiment) {
  const rapidjson::Value* found =
      path(experiment, {"status", "analysis", "winnerAssessment", "data", "winnerFound"});
  return found != nullptr && found->IsBool() && found->GetBool();
}

bool candidateWon(const rapidjson::Value& experiment) {
  if (!winnerFound(experiment)) return false;
  const rapidjson::Value* winner =
      path(experiment, {"status", "analysis", "winnerAssessment", "data", "winner"});
  if (winner == nullptr || !winner->IsString()) return false;
  const rapidjson::Value* baseline = path(experiment, {"spec", "versionInfo", "baseline", "name"});
  return baseline == nullptr || !baseline->IsString() ||
         std::string(winner->GetString()) != baseline->GetString();
}

}  // namespace

const char* supportedConditions() {
  return "WinnerFound(), CandidateWon(), not WinnerFound(), not CandidateWon()";
}

std::optional<Condition> parseCondition(const std::string& text) {
  std::string body = trim(text);
  bool negated = false;
  if (body.size() > 3 && body.compare(0, 3, "not") == 0 && (body[3] == ' ' || body[3] == '\t')) {
    negated = true;
    body = trim(body.substr(3));
  }
  Condition condition{Condition::Kind::kWinnerFound, negated, trim(text)};
  if (body == "WinnerFound()") return condition;
  if (body == "CandidateWon()") {
    condition.kind = Condition::Kind::kCandidateWon;
    return condition;
  }
  return std::nullopt;
}

bool evaluateCondition(const Condition& condition, const rapidjson::Value& experiment) {
  const bool holds = condition.kind == Condition::Kind::kWinnerFound ? winnerFound(experiment)
                                                                     : candidateWon(experiment);
  return holds != condition.negated;
}

}  // namespace iter8
