// The one yaml-cpp wrapper: YAML text to JSON values and back. The host keeps every document
// (experiments, kubeconfigs, secret manifests) as RapidJSON values; YAML is only a file format.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace iter8 {

class YamlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Limits on what parseYaml accepts, each refused with a message naming it (docs/robustness.md).
inline constexpr int kYamlMaxDepth = 200;                   // nested sequences and maps
inline constexpr long kYamlMaxValues = 2'000'000;           // values after alias expansion
inline constexpr size_t kYamlMaxScalarBytes = 1024 * 1024;  // one key or string

// Parses one YAML document (JSON is YAML too); text with several documents is refused. Plain
// scalars become null, booleans, integers or doubles as YAML 1.2's core schema reads them; quoted
// scalars stay strings. Throws YamlError with line and column.
rapidjson::Document parseYaml(std::string_view text);

// Block-style YAML text of `value`. Strings that would read back as another type are quoted.
std::string toYaml(const rapidjson::Value& value);

}  // namespace iter8
