// Multi-document YAML files (manifests, CRDs) for the test support: lib/yaml reads one
// document, so these are split at their `---` lines first.
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8::testing {

// Every non-empty document of `text`, parsed. Throws YamlError as parseYaml does.
std::vector<rapidjson::Document> parseYamlDocuments(const std::string& text);

// The contents of `path`; throws std::runtime_error naming it when it cannot be read.
std::string readTextFile(const std::string& path);

}  // namespace iter8::testing
