// The values of a Kubernetes Secret, read the same way from a manifest in --secrets-dir and
// from the API server: `data` decoded from base64, then `stringData`, which wins (the API
// server merges it over `data` on write).
#pragma once

#include <stdexcept>

#include <rapidjson/document.h>

#include "host/source/experiment_source.h"

namespace iter8 {

// A Secret whose `data` holds a value that is not a base64 string. The message names the key
// ("data.token is not valid base64"), never the value.
class SecretFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The decoded values of `secret` (a Secret object). Every value is registered with the
// logger's masking before this returns. Throws SecretFormatError.
SecretData decodeSecret(const rapidjson::Value& secret);

}  // namespace iter8
