#include "host/loader/schema_refs.h"

#include <set>
#include <vector>

#include "lib/json.h"

namespace iter8 {
namespace {

using Tokens = std::vector<std::string>;

std::string pointerText(const Tokens& tokens) {
  if (tokens.empty()) return "the root";
  std::string text;
  for (const auto& token : tokens) text += "/" + token;
  return text;
}

// "#/definitions/a~1b" -> {"definitions", "a/b"}; nullopt when not a local JSON pointer.
std::optional<Tokens> parseLocalRef(const std::string& ref) {
  if (ref.empty() || ref[0] != '#') return std::nullopt;
  Tokens tokens;
  if (ref.size() == 1) return tokens;
  if (ref[1] != '/') return std::nullopt;
  size_t start = 2;
  for (;;) {
    size_t slash = ref.find('/', start);
    std::string raw =
        ref.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    tokens.push_back(token);
    if (slash == std::string::npos) return tokens;
    start = slash + 1;
  }
}

const rapidjson::Value* resolve(const rapidjson::Value& root, const Tokens& tokens) {
  const rapidjson::Value* at = &root;
  for (const auto& token : tokens) {
    if (at->IsObject()) {
      at = findMember(*at, token);
    } else if (at->IsArray()) {
      if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos ||
          token.size() > 9)
        return nullptr;
      size_t index = std::stoul(token);
      at = index < at->Size() ? &(*at)[static_cast<rapidjson::SizeType>(index)] : nullptr;
    } else {
      return nullptr;
    }
    if (at == nullptr) return nullptr;
  }
  return at;
}

bool isPrefix(const Tokens& prefix, const Tokens& of) {
  if (prefix.size() > of.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] != of[i]) return false;
  }
  return true;
}

const rapidjson::Value* refOf(const rapidjson::Value& value) {
  if (!value.IsObject()) return nullptr;
  return findMember(value, "$ref");
}

std::optional<std::string> checkRef(const rapidjson::Value& root, const Tokens& at,
                                    const rapidjson::Value& ref) {
  if (!ref.IsString()) return "$ref at " + pointerText(at) + " is not a string";
  const std::string text(ref.GetString(), ref.GetStringLength());
  auto target = parseLocalRef(text);
  if (!target) {
    return "$ref '" + text + "' at " + pointerText(at) +
           " is not a local reference ('#/...'); only those are supported";
  }
  if (isPrefix(*target, at)) {
    return "$ref '" + text + "' at " + pointerText(at) +
           " refers to an enclosing schema; recursive schemas are not supported";
  }
  // Follow a chain of references (a -> b -> c ...) and stop at a repeat.
  std::set<Tokens> seen{at};
  Tokens current = *target;
  for (;;) {
    if (!seen.insert(current).second) {
      return "$ref '" + text + "' at " + pointerText(at) +
             " starts a cycle of references; recursive schemas are not supported";
    }
    const rapidjson::Value* resolved = resolve(root, current);
    if (resolved == nullptr) {
      return "$ref '" + text + "' at " + pointerText(at) + " points to nothing";
    }
    const rapidjson::Value* next = refOf(*resolved);
    if (next == nullptr) return std::nullopt;
    if (!next->IsString()) return "$ref at " + pointerText(current) + " is not a string";
    auto nextTarget = parseLocalRef(next->GetString());
    if (!nextTarget || isPrefix(*nextTarget, current)) {
      return checkRef(root, current, *next);  // reports the problem at its own place
    }
    current = *nextTarget;
  }
}

// Depth-first over every object and array, with an explicit stack (no recursion on input).
std::optional<std::string> walk(const rapidjson::Value& root) {
  std::vector<std::pair<const rapidjson::Value*, Tokens>> stack{{&root, {}}};
  while (!stack.empty()) {
    auto [value, at] = std::move(stack.back());
    stack.pop_back();
    if (value->IsObject()) {
      for (const auto& member : value->GetObject()) {
        Tokens child = at;
        child.emplace_back(member.name.GetString(), member.name.GetStringLength());
        if (child.back() == "$ref") {
          if (auto problem = checkRef(root, at, member.value)) return problem;
          continue;
        }
        stack.emplace_back(&member.value, std::move(child));
      }
    } else if (value->IsArray()) {
      for (rapidjson::SizeType i = 0; i < value->Size(); ++i) {
        Tokens child = at;
        child.push_back(std::to_string(i));
        stack.emplace_back(&(*value)[i], std::move(child));
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> findRecursiveRef(const rapidjson::Value& schema) {
  return walk(schema);
}

}  // namespace iter8
