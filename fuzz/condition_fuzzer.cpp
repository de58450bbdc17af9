// libFuzzer target: the `if:` condition parser and evaluator on any text, against an
// experiment whose status has a winner.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "host/conditions/conditions.h"
#include "lib/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rapidjson::Document experiment = iter8::parseJson(
      R"({"spec":{"versionInfo":{"baseline":{"name":"v1"}}},)"
      R"("status":{"analysis":{"winnerAssessment":{"data":{"winnerFound":true,"winner":"v2"}}}}})");
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const iter8::Condition condition = iter8::parseCondition(text);
    iter8::evaluateCondition(condition, experiment);
  } catch (const std::exception&) {
  }
  return 0;
}
