#include "host/source/secret_data.h"

#include <string>
#include <string_view>

#include "host/log.h"
#include "lib/base64.h"
#include "lib/json.h"

namespace iter8 {

SecretData decodeSecret(const rapidjson::Value& secret) {
  SecretData values;
  if (const rapidjson::Value* data = findMember(secret, "data"); data && data->IsObject()) {
    for (const auto& member : data->GetObject()) {
      const std::string key(member.name.GetString(), member.name.GetStringLength());
      if (!member.value.IsString()) throw SecretFormatError("data." + key + " is not a string");
      auto decoded =
          decodeBase64(std::string_view(member.value.GetString(), member.value.GetStringLength()));
      if (!decoded) throw SecretFormatError("data." + key + " is not valid base64");
      values[key] = std::move(*decoded);
    }
  }
  if (const rapidjson::Value* plain = findMember(secret, "stringData");
      plain && plain->IsObject()) {
    for (const auto& member : plain->GetObject()) {
      if (member.value.IsString()) {
        values[std::string(member.name.GetString(), member.name.GetStringLength())] =
            std::string(member.value.GetString(), member.value.GetStringLength());
      }
    }
  }
  for (const auto& entry : values) registerSecret(entry.second);
  return values;
}

}  // namespace iter8
