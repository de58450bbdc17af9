#include "host/loader/input_validation.h"

#include <strings.h>

#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <optional>

#include "host/template/template.h"
#include "lib/json.h"
#include "lib/suggest.h"
#include "lib/text.h"

namespace iter8 {
namespace {

bool equalFold(const char* a, const char* b) {
  return strcasecmp(a, b) == 0;
}

bool& templateSyntaxSetting() {
  static bool on = false;
  return on;
}

std::optional<bool>& strictSetting() {
  static std::optional<bool> strict;
  return strict;
}

std::vector<std::string> namesOf(const rapidjson::Value& properties) {
  std::vector<std::string> names;
  for (const auto& p : properties.GetObject()) names.emplace_back(p.name.GetString());
  return names;
}

std::string listNames(const rapidjson::Value& properties) {
  std::string names;
  for (const auto& p : properties.GetObject()) {
    names += (names.empty() ? "" : ", ") + std::string(p.name.GetString());
  }
  return names;
}

// True when unknown keys should be warned about: the schema names its properties and says
// nothing of others. (With additionalProperties: false the validator rejects them instead.)
bool warnsOfUnknownKeys(const rapidjson::Value& schema) {
  return findMember(schema, "additionalProperties") == nullptr;
}

void normalize(rapidjson::Value& value, const rapidjson::Value& schema, const std::string& path,
               rapidjson::Document::AllocatorType& allocator, std::vector<std::string>& warnings) {
  if (!schema.IsObject()) return;
  const rapidjson::Value* properties = findMember(schema, "properties");
  if (value.IsObject() && properties != nullptr && properties->IsObject()) {
    for (auto& member : value.GetObject()) {
      const char* key = member.name.GetString();
      const rapidjson::Value* propertySchema = findMember(*properties, key);
      if (propertySchema == nullptr) {
        for (const auto& p : properties->GetObject()) {
          if (equalFold(p.name.GetString(), key) &&
              findMember(value, p.name.GetString()) == nullptr) {
            member.name.SetString(p.name.GetString(), p.name.GetStringLength(), allocator);
            propertySchema = &p.value;
            break;
          }
        }
      }
      std::string memberPath = path + "." + member.name.GetString();
      if (propertySchema != nullptr) {
        normalize(member.value, *propertySchema, memberPath, allocator, warnings);
      } else if (warnsOfUnknownKeys(schema)) {
        warnings.push_back("unknown input " + quoteValue(memberPath) +
                           (strictInputs() ? " is refused (--strict)" : " is ignored") +
                           didYouMean(member.name.GetString(), namesOf(*properties)) +
                           " (known inputs: " + listNames(*properties) + ")");
      }
    }
  }
  const rapidjson::Value* items = findMember(schema, "items");
  if (value.IsArray() && items != nullptr) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      normalize(value[i], *items, path + "[" + std::to_string(i) + "]", allocator, warnings);
    }
  }
}

// Go's parse errors name where the lexer gave up, which after a missing `}}` is often far
// from the mistake ("expected :=" at the `:` of a later URL): when an action is opened and
// never closed, say that first, and keep Go's text for the position.
std::string plainReason(const std::string& text, const TemplateDelims& delims,
                        const std::string& goError) {
  const std::string left = delims.left.empty() ? "{{" : delims.left;
  const std::string right = delims.right.empty() ? "}}" : delims.right;
  size_t open = text.rfind(left);
  if (open != std::string::npos && text.find(right, open + left.size()) == std::string::npos) {
    return "unclosed action: `" + right + "` missing (" + goError + ")";
  }
  return goError;
}

// The template as it is quoted in a message: one line, at most 80 characters.
std::string excerpt(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 80) return line.substr(0, 77) + "...";
  return line.size() < text.size() ? line + "..." : line;
}

// The first input marked as a template in the schema ("x-iter8-template": "{{ }}" or "@< >@")
// whose text does not parse, as an error line; "" when all parse. Only syntax: what a template
// renders depends on data that exists at run time.
std::string templateProblem(const rapidjson::Value& value, const rapidjson::Value& schema,
                            const std::string& path) {
  if (!schema.IsObject()) return "";
  const rapidjson::Value* marker = findMember(schema, "x-iter8-template");
  if (marker != nullptr && marker->IsString() && value.IsString()) {
    std::string delims = marker->GetString();
    size_t space = delims.find(' ');
    TemplateDelims d;
    if (space != std::string::npos) d = {delims.substr(0, space), delims.substr(space + 1)};
    try {
      checkTemplateSyntax(value.GetString(), d);
    } catch (const TemplateError& e) {
      return "input '" + path +
             "' is not a valid template: " + plainReason(value.GetString(), d, e.what()) + " in `" +
             excerpt(value.GetString()) + "`";
    }
    return "";
  }
  const rapidjson::Value* properties = findMember(schema, "properties");
  if (value.IsObject() && properties != nullptr && properties->IsObject()) {
    for (const auto& member : value.GetObject()) {
      const rapidjson::Value* propertySchema = findMember(*properties, member.name.GetString());
      if (propertySchema == nullptr) continue;
      std::string problem =
          templateProblem(member.value, *propertySchema, path + "." + member.name.GetString());
      if (!problem.empty()) return problem;
    }
  }
  const rapidjson::Value* items = findMember(schema, "items");
  if (value.IsArray() && items != nullptr) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      std::string problem = templateProblem(value[i], *items, path + "[" + std::to_string(i) + "]");
      if (!problem.empty()) return problem;
    }
  }
  return "";
}

// `with.versions[0].url` from the JSON pointer `/versions/0/url`.
std::string fieldPath(const rapidjson::Pointer& pointer) {
  std::string path = "with";
  for (size_t i = 0; i < pointer.GetTokenCount(); ++i) {
    const auto& token = pointer.GetTokens()[i];
    if (token.index != rapidjson::kPointerInvalidIndex) {
      path += "[" + std::to_string(token.index) + "]";
    } else {
      path += "." + std::string(token.name, token.length);
    }
  }
  return path;
}

std::string typeList(const rapidjson::Value& type) {
  if (type.IsString()) return type.GetString();
  std::string text;
  if (type.IsArray()) {
    for (rapidjson::SizeType i = 0; i < type.Size(); ++i) {
      text +=
          std::string(i == 0 ? "" : (i + 1 == type.Size() ? " or " : ", ")) + type[i].GetString();
    }
  }
  return text;
}

std::string valueText(const rapidjson::Value& value) {
  std::string text = toJson(value);
  return shortenName(text, 60);
}

// "a number 11", "an array []", "null": one style for every message that shows a value.
std::string valueWithType(const rapidjson::Value& value) {
  if (value.IsNull()) return "null";
  return jsonTypeWithArticle(value) + " " + valueText(value);
}

// One line for the first failure the validator found.
// What a type error expects, in the words a person needs: `time: 5` is a Go duration missing
// its unit (the schema's description says "Go duration"), so show it with one.
std::string expectedType(const rapidjson::Value& rule, const rapidjson::Value& type,
                         const rapidjson::Value& value) {
  const rapidjson::Value* description = findMember(rule, "description");
  if (value.IsNumber() && description != nullptr && description->IsString() &&
      std::string(description->GetString()).find("Go duration") != std::string::npos) {
    return "a Go duration such as `" + valueText(value) + "s`";
  }
  return typeList(type);
}

// " item(s)" for minItems and maxItems, and so on: what a count keyword counts; nullptr for
// other keywords.
const char* countedUnit(const std::string& keyword) {
  if (keyword == "minItems" || keyword == "maxItems") return " item(s)";
  if (keyword == "minLength" || keyword == "maxLength") return " character(s)";
  if (keyword == "minProperties" || keyword == "maxProperties") return " member(s)";
  return nullptr;
}

// "user' is required when 'with.password' is given" (`field` is "with"): the first property
// dependency (draft 4's array form) that `value` breaks, with the text after "input '<path>."; ""
// when none.
std::string missingDependency(const rapidjson::Value& value, const rapidjson::Value& rules,
                              const std::string& field) {
  if (!value.IsObject() || !rules.IsObject()) return "";
  for (const auto& rule : rules.GetObject()) {
    if (!rule.value.IsArray() || findMember(value, rule.name.GetString()) == nullptr) continue;
    for (const auto& needed : rule.value.GetArray()) {
      if (needed.IsString() && findMember(value, needed.GetString()) == nullptr) {
        return std::string(needed.GetString()) + "' is required when '" + field + "." +
               rule.name.GetString() + "' is given";
      }
    }
  }
  return "";
}

std::string describeFailure(const rapidjson::SchemaValidator& validator,
                            const rapidjson::Document& schema, const rapidjson::Value& with) {
  std::string keyword = validator.GetInvalidSchemaKeyword();
  const rapidjson::Value* rule = validator.GetInvalidSchemaPointer().Get(schema);
  const rapidjson::Value* value = validator.GetInvalidDocumentPointer().Get(with);
  std::string field = fieldPath(validator.GetInvalidDocumentPointer());
  static const rapidjson::Value kNull;
  const rapidjson::Value& ruleValue = rule != nullptr ? *rule : kNull;
  const rapidjson::Value* expected = findMember(ruleValue, keyword.c_str());

  if (keyword == "required" && value != nullptr && expected != nullptr && expected->IsArray()) {
    for (const auto& name : expected->GetArray()) {
      if (findMember(*value, name.GetString()) == nullptr) {
        const rapidjson::Value* props = findMember(ruleValue, "properties");
        const rapidjson::Value* prop = props ? findMember(*props, name.GetString()) : nullptr;
        const rapidjson::Value* type = prop ? findMember(*prop, "type") : nullptr;
        return "input '" + field + "." + name.GetString() + "' is required" +
               (type ? "; expected " + typeList(*type) : std::string());
      }
    }
  }
  std::string found = value != nullptr ? valueWithType(*value) : std::string("missing");
  if (keyword == "type" && expected != nullptr && value != nullptr) {
    return "input '" + field + "' is " + found + "; expected " +
           expectedType(ruleValue, *expected, *value);
  }
  if (keyword == "enum" && expected != nullptr) {
    return "input '" + field + "' is " + found + "; expected one of " + toJson(*expected);
  }
  if ((keyword == "minimum" || keyword == "maximum") && expected != nullptr) {
    // Draft 4's exclusiveMinimum/exclusiveMaximum are booleans beside the bound.
    const rapidjson::Value* exclusive =
        findMember(ruleValue, keyword == "minimum" ? "exclusiveMinimum" : "exclusiveMaximum");
    const bool strict = exclusive != nullptr && exclusive->IsBool() && exclusive->GetBool();
    return "input '" + field + "' is " + found + "; expected a number " +
           (keyword == "minimum" ? ">" : "<") + (strict ? " " : "= ") + toJson(*expected);
  }
  if (keyword == "multipleOf" && expected != nullptr) {
    return "input '" + field + "' is " + found + "; expected a multiple of " + toJson(*expected);
  }
  if (const char* unit = countedUnit(keyword); unit != nullptr && expected != nullptr) {
    return "input '" + field + "' is " + found + "; expected at " +
           (keyword.rfind("min", 0) == 0 ? "least " : "most ") + toJson(*expected) + unit;
  }
  if (keyword == "uniqueItems") {
    // RapidJSON points at the second of two equal items.
    return "input '" + field + "' is " + found + "; expected each item once (it repeats an " +
           "earlier item)";
  }
  if (keyword == "items" && expected != nullptr && expected->IsArray()) {
    // A tuple (items: [...]) with additionalItems: false and an item past its end.
    return "input '" + field + "' is " + found + "; expected at most " +
           std::to_string(expected->Size()) + " item(s)";
  }
  if (keyword == "dependencies" && value != nullptr && expected != nullptr) {
    if (std::string needed = missingDependency(*value, *expected, field); !needed.empty()) {
      return "input '" + field + "." + needed;
    }
  }
  if (keyword == "pattern" && expected != nullptr) {
    return "input '" + field + "' is " + found + "; expected text matching " + toJson(*expected);
  }
  if (keyword == "additionalProperties") {
    // RapidJSON points at the offending member itself.
    const rapidjson::Value* props = findMember(ruleValue, "properties");
    return "input '" + field + "' is not accepted by this task" +
           (props && props->IsObject() ? "; allowed: " + listNames(*props) : std::string());
  }
  if (keyword == "oneOf" || keyword == "anyOf") {
    const rapidjson::Value* description = findMember(ruleValue, "description");
    return "input '" + field + "' is " + found + "; expected " +
           (description && description->IsString() ? description->GetString()
                                                   : "a value matching the task's schema");
  }
  return "input '" + field + "' is " + found + "; it fails the schema's '" + keyword + "' rule" +
         (expected ? " " + valueText(*expected) : std::string());
}

}  // namespace

InputCheck checkInputs(rapidjson::Value& with, rapidjson::Document::AllocatorType& allocator,
                       const rapidjson::Document& schema) {
  InputCheck check;
  normalize(with, schema, "with", allocator, check.warnings);
  if (strictInputs() && !check.warnings.empty()) {
    check.ok = false;
    check.error = check.warnings.front();
    check.warnings.clear();
    return check;
  }
  rapidjson::SchemaDocument compiled(schema);
  rapidjson::SchemaValidator validator(compiled);
  if (!with.Accept(validator)) {
    check.ok = false;
    check.error = describeFailure(validator, schema, with);
    return check;
  }
  // "x-iter8-template-switch": the boolean input that turns interpolation off (exec's
  // disableInterpolation): then nothing is a template.
  const rapidjson::Value* off = findMember(schema, "x-iter8-template-switch");
  const rapidjson::Value* disabled =
      off != nullptr && off->IsString() ? findMember(with, off->GetString()) : nullptr;
  if (templateSyntaxChecks() &&
      (disabled == nullptr || !disabled->IsBool() || !disabled->GetBool())) {
    // An error: a dry run says "valid" only when it is. A real run does not check syntax here,
    // so it runs the items before a broken template and fails at it, as the Go handler did.
    std::string problem = templateProblem(with, schema, "with");
    if (!problem.empty()) {
      check.ok = false;
      check.error = problem;
    }
  }
  return check;
}

void setStrictInputs(bool strict) {
  strictSetting() = strict;
}

bool strictInputs() {
  std::optional<bool>& strict = strictSetting();
  if (!strict) {
    const char* env = std::getenv("ITER8_STRICT");
    std::string value = env ? env : "";
    strict = !value.empty() && value != "0" && strcasecmp(value.c_str(), "false") != 0 &&
             strcasecmp(value.c_str(), "no") != 0;
  }
  return *strict;
}

void setTemplateSyntaxChecks(bool on) {
  templateSyntaxSetting() = on;
}

bool templateSyntaxChecks() {
  return templateSyntaxSetting();
}

}  // namespace iter8
