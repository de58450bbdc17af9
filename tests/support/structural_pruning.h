// Pruning of custom resources by their CRD's structural schema, as kube-apiserver does it
// (apiextensions-apiserver, schema/pruning): a field the schema does not declare is dropped on
// every write, except under `x-kubernetes-preserve-unknown-fields: true`. Used by the fake API
// server (docs/fake-apiserver.md) so a test cannot pass with data a cluster would lose.
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace iter8::testing {

// Where the Experiment CRD is read from at test time (../shared/reference, beside the clone).
std::string experimentCrdPath();

// The `openAPIV3Schema` of version `version` of the CustomResourceDefinition in the YAML file
// `path` (one CRD; a leading `---` or empty documents are fine). Throws std::runtime_error
// naming the file and what is missing.
rapidjson::Document loadCrdSchema(const std::string& path, const std::string& version);

// Drops from `object` (a whole custom resource) every field `schema` does not declare, and
// returns their paths as the API server's warnings name them ("status.analysis.note",
// "spec.versionInfo.candidates[0].extra"), in document order. At the root, apiVersion, kind
// and metadata are kept whatever the schema says, as the server does.
std::vector<std::string> pruneResource(rapidjson::Value& object, const rapidjson::Value& schema);

}  // namespace iter8::testing
