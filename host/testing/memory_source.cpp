#include "host/testing/memory_source.h"

#include "lib/json.h"

namespace iter8::testing {

MemorySource::MemorySource() {
  experiment_ = parseJson(R"({"apiVersion":"iter8.tools/v2alpha2","kind":"Experiment",)"
                          R"("metadata":{"name":"test","namespace":"default"},"spec":{}})");
}

void MemorySource::setExperiment(const rapidjson::Value& experiment) {
  if (!experiment.IsObject()) throw SourceError("the experiment is not a JSON or YAML object");
  experiment_.CopyFrom(experiment, experiment_.GetAllocator());
}

void MemorySource::addSecret(const std::string& ref, SecretData data) {
  const size_t slash = ref.find('/');
  secrets_[slash == std::string::npos ? experimentNamespace() + "/" + ref : ref] = std::move(data);
}

const rapidjson::Value& MemorySource::status() const {
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  const rapidjson::Value* status = findMember(experiment_, "status");
  return status != nullptr && status->IsObject() ? *status : kEmpty;
}

std::string MemorySource::experimentNamespace() const {
  const rapidjson::Value* ns = findPath(experiment_, {"metadata", "namespace"});
  return ns != nullptr && ns->IsString() ? ns->GetString() : "default";
}

rapidjson::Document MemorySource::read() {
  rapidjson::Document copy;
  copy.CopyFrom(experiment_, copy.GetAllocator());
  return copy;
}

void MemorySource::updateStatus(const rapidjson::Value& statusPatch) {
  patches_.push_back(toJson(statusPatch));
  auto& allocator = experiment_.GetAllocator();
  auto status = experiment_.FindMember("status");
  if (status == experiment_.MemberEnd()) {
    experiment_.AddMember("status", rapidjson::Value(rapidjson::kObjectType), allocator);
    status = experiment_.FindMember("status");
  } else if (!status->value.IsObject()) {
    status->value.SetObject();
  }
  applyMergePatch(status->value, statusPatch, allocator);
}

SecretData MemorySource::getSecret(const std::string& ns, const std::string& name) {
  auto it = secrets_.find(ns + "/" + name);
  if (it == secrets_.end()) {
    throw SourceError(SourceError::Kind::kNotFound,
                      "secret " + ns + "/" + name + " does not exist (the test host has " +
                          std::to_string(secrets_.size()) + " secret(s))");
  }
  return it->second;
}

}  // namespace iter8::testing
