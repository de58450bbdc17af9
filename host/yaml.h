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

// Parses one YAML document (JSON is YAML too). Plain scalars become null, booleans, integers
// or doubles as YAML 1.2's core schema reads them; quoted scalars stay strings. Throws
// YamlError with line and column.
rapidjson::Document parseYaml(std::string_view text);

// Block-style YAML text of `value`. Strings that would read back as another type are quoted.
std::string toYaml(const rapidjson::Value& value);

}  // namespace iter8
