// libFuzzer target: the experiment reader. Any bytes must parse or throw, never crash, hang or
// recurse without bound; what parses must print back (toYaml, toJson) without crashing.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "host/source/experiment_file.h"
#include "lib/json.h"
#include "lib/yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    rapidjson::Document doc = iter8::parseYaml(text);
    iter8::toJson(doc);
    iter8::parseYaml(iter8::toYaml(doc));  // what we write must read back
  } catch (const std::exception&) {
  }
  try {
    iter8::toYaml(iter8::parseJson(text));
  } catch (const std::exception&) {
  }
  try {
    iter8::parseExperimentText(text, "fuzz.yaml");
  } catch (const std::exception&) {
  }
  return 0;
}
