// Interpolation of notification/http's URL, header values and body.
//
// The delimiter rule: a field that contains "@<" is an etc3-style template and is rendered
// with @< >@ only (any "{{" in it is literal text); every other field is rendered with {{ }}.
// Each field is rendered once, so a value never gets interpreted as a template itself.
//
// Data: .this (the experiment), .name and the recommended version's variables, and
// .secret.<key> (the secret named by with.secret). A missing key prints "" (what the Go
// handler's html/template printed), except a key of .secret, which is an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "iter8/task.hpp"

namespace iter8::notification {

struct Delimiters {
  const char* left;
  const char* right;
};

// True when `text` holds an action in either delimiter style.
bool hasTemplate(std::string_view text);

// The delimiters the rule above picks for `text`.
Delimiters delimitersFor(std::string_view text);

// The keys that actions of `text` read from the top-level `.secret` (`.secret.token` gives
// "token"; `.secret` printed whole gives ""). Comments are skipped, and `.this.secret.x` is
// not a top-level reference.
std::vector<std::string> secretReferences(std::string_view text, const Delimiters& delimiters);

// Renders the fields of one task run.
class FieldRenderer {
 public:
  // `data` is the template data without the secret; `secret` (with `secretRef`, its name
  // for messages) is the secret's data when with.secret is set.
  FieldRenderer(const sdk::Host& host, rapidjson::Document data, std::string secretRef,
                std::optional<rapidjson::Document> secret);

  // `text` rendered; `field` names the input in messages ("with.body"). A template error, a
  // .secret reference without with.secret, or a key the secret lacks throws sdk::InputError.
  std::string render(const std::string& field, const std::string& text) const;

 private:
  const sdk::Host& host_;
  rapidjson::Document data_;
  std::string secretRef_;
  const rapidjson::Value* secret_ = nullptr;
};

// Builds the template data: .this and the recommended version's name and variables.
rapidjson::Document templateData(const rapidjson::Value& experiment, const sdk::Host& host);

}  // namespace iter8::notification
