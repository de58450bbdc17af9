#include "plugins/notification/templating.h"

#include <cctype>

#include "lib/json.h"
#include "plugins/support/version_tags.h"

namespace iter8::notification {
namespace {

constexpr Delimiters kGoDelimiters{"{{", "}}"};
constexpr Delimiters kEtc3Delimiters{"@<", ">@"};

bool isIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Adds the keys `.secret` is read with in one action's text.
void scanAction(std::string_view action, std::vector<std::string>& keys) {
  std::string_view body = action;
  while (!body.empty() &&
         (body.front() == '-' || std::isspace(static_cast<unsigned char>(body.front()))))
    body.remove_prefix(1);
  if (body.rfind("/*", 0) == 0) return;  // a comment
  constexpr std::string_view kSecret = ".secret";
  for (size_t at = action.find(kSecret); at != std::string_view::npos;
       at = action.find(kSecret, at + 1)) {
    // Top level only: `.secret` not preceded by a field name, `)` or another `.`.
    if (at > 0) {
      char before = action[at - 1];
      if (isIdentifierChar(before) || before == '.' || before == ')') continue;
    }
    size_t end = at + kSecret.size();
    if (end < action.size() && isIdentifierChar(action[end])) continue;  // `.secrets`
    std::string key;
    if (end < action.size() && action[end] == '.') {
      size_t keyEnd = end + 1;
      while (keyEnd < action.size() && isIdentifierChar(action[keyEnd])) ++keyEnd;
      key = std::string(action.substr(end + 1, keyEnd - end - 1));
    }
    keys.push_back(key);
  }
}

}  // namespace

bool hasTemplate(std::string_view text) {
  return text.find(kGoDelimiters.left) != std::string_view::npos ||
         text.find(kEtc3Delimiters.left) != std::string_view::npos;
}

Delimiters delimitersFor(std::string_view text) {
  return text.find(kEtc3Delimiters.left) != std::string_view::npos ? kEtc3Delimiters
                                                                   : kGoDelimiters;
}

std::vector<std::string> secretReferences(std::string_view text, const Delimiters& delimiters) {
  std::vector<std::string> keys;
  const std::string_view left = delimiters.left;
  const std::string_view right = delimiters.right;
  size_t start = text.find(left);
  while (start != std::string_view::npos) {
    size_t close = text.find(right, start + left.size());
    if (close == std::string_view::npos) break;  // unterminated: the renderer reports it
    scanAction(text.substr(start + left.size(), close - start - left.size()), keys);
    start = text.find(left, close + right.size());
  }
  return keys;
}

rapidjson::Document templateData(const rapidjson::Value& experiment, const sdk::Host& host) {
  rapidjson::Document data(rapidjson::kObjectType);
  data.AddMember("this", rapidjson::Value(experiment, data.GetAllocator()), data.GetAllocator());
  support::addRecommendedVersionTags(experiment, data, host, "an empty string");
  return data;
}

FieldRenderer::FieldRenderer(const sdk::Host& host, rapidjson::Document data, std::string secretRef,
                             std::optional<rapidjson::Document> secret)
    : host_(host), data_(std::move(data)), secretRef_(std::move(secretRef)) {
  if (secret.has_value()) {
    auto& a = data_.GetAllocator();
    // The secret is added last, so it wins over a version variable named "secret", as in Go.
    if (auto it = data_.FindMember("secret"); it != data_.MemberEnd()) data_.RemoveMember(it);
    data_.AddMember("secret", rapidjson::Value(*secret, a), a);
    secret_ = &data_["secret"];
  }
}

std::string FieldRenderer::render(const std::string& field, const std::string& text) const {
  if (!hasTemplate(text)) return text;
  const Delimiters delimiters = delimitersFor(text);
  for (const std::string& key : secretReferences(text, delimiters)) {
    if (secret_ == nullptr) {
      throw sdk::InputError("input '" + field + "': the template reads .secret" +
                            (key.empty() ? "" : "." + key) +
                            " but with.secret is not set; set it to the secret's 'name' or "
                            "'namespace/name'");
    }
    if (!key.empty() && findMember(*secret_, key) == nullptr) {
      throw sdk::InputError("input '" + field + "': secret '" + secretRef_ + "' has no key '" +
                            key + "'");
    }
  }
  sdk::InterpolateOptions options;
  options.leftDelim = delimiters.left;
  options.rightDelim = delimiters.right;
  options.missingKey = ITER8_MISSING_KEY_EMPTY;
  try {
    return host_.interpolate(text, data_, options);
  } catch (const sdk::Error& e) {
    throw sdk::InputError("input '" + field + "': " + e.what());
  }
}

}  // namespace iter8::notification
