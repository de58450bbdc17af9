// Evaluation of parsed `if:` conditions against the experiment, with expr's meanings: `==` is
// true for two nils and compares numbers by value; `<` and friends order numbers or strings;
// `&&` and `||` short-circuit. A field path that is absent from the experiment is nil (expr
// compiled against the Go type and refused unknown fields; we have only the JSON, where an
// absent key is how Go wrote a nil pointer or an empty list).
#include "host/conditions/conditions.h"

#include "iter8/experiment.hpp"
#include "lib/json.h"

namespace iter8 {
namespace {

using Kind = ConditionNode::Kind;

struct Value {
  enum class Type { kNil, kBool, kNumber, kString, kOther } type = Type::kNil;
  bool boolean = false;
  double number = 0;
  std::string_view string;
  const rapidjson::Value* json = nullptr;  // kOther: an object or an array
};

const char* describe(const Value& value) {
  switch (value.type) {
    case Value::Type::kNil:
      return "nil";
    case Value::Type::kBool:
      return "a boolean";
    case Value::Type::kNumber:
      return "a number";
    case Value::Type::kString:
      return "a string";
    case Value::Type::kOther:
      return value.json->IsArray() ? "a list" : "an object";
  }
  return "a value";
}

Value fromJson(const rapidjson::Value* json) {
  Value value;
  if (json == nullptr || json->IsNull()) return value;
  if (json->IsBool()) {
    value.type = Value::Type::kBool;
    value.boolean = json->GetBool();
  } else if (json->IsNumber()) {
    value.type = Value::Type::kNumber;
    value.number = json->GetDouble();
  } else if (json->IsString()) {
    value.type = Value::Type::kString;
    value.string = std::string_view(json->GetString(), json->GetStringLength());
  } else {
    value.type = Value::Type::kOther;
    value.json = json;
  }
  return value;
}

std::string pathText(const ConditionNode& node) {
  std::string text;
  for (const auto& part : node.path) text += (text.empty() ? "" : ".") + part;
  return text;
}

[[noreturn]] void fail(const ConditionNode& node, const std::string& message) {
  throw ConditionError("column " + std::to_string(node.column) + ": " + message);
}

class Evaluator {
 public:
  Evaluator(const Condition& condition, const rapidjson::Value& experiment)
      : condition_(condition), experiment_(experiment), view_(sdk::goExperimentView(experiment)) {}

  Value eval(int index) {
    const ConditionNode& node = condition_.nodes.at(static_cast<std::size_t>(index));
    Value value;
    switch (node.kind) {
      case Kind::kNil:
        return value;
      case Kind::kBool:
        return boolean(node.boolean);
      case Kind::kNumber:
        value.type = Value::Type::kNumber;
        value.number = node.number;
        return value;
      case Kind::kString:
        value.type = Value::Type::kString;
        value.string = node.text;
        return value;
      case Kind::kField:
        return field(node);
      case Kind::kCall:
        return boolean(node.text == "WinnerFound" ? sdk::winnerFound(experiment_)
                                                  : sdk::candidateWon(experiment_));
      case Kind::kNot:
        return boolean(!truth(node.left, "!"));
      case Kind::kAnd:
        return boolean(truth(node.left, "&&") && truth(node.right, "&&"));
      case Kind::kOr:
        return boolean(truth(node.left, "||") || truth(node.right, "||"));
      case Kind::kCompare:
        return boolean(compare(node, eval(node.left), eval(node.right)));
    }
    return value;
  }

  // The value of node `index`, which must be a boolean (operand of `op`).
  bool truth(int index, const char* op) {
    Value value = eval(index);
    if (value.type != Value::Type::kBool) {
      const ConditionNode& node = condition_.nodes.at(static_cast<std::size_t>(index));
      std::string what = node.kind == Kind::kField ? pathText(node) + " is " : "found ";
      fail(node, std::string("'") + op + "' needs true or false; " + what + describe(value));
    }
    return value.boolean;
  }

 private:
  static Value boolean(bool b) {
    Value value;
    value.type = Value::Type::kBool;
    value.boolean = b;
    return value;
  }

  Value field(const ConditionNode& node) const {
    const rapidjson::Value* current = &view_;
    for (const auto& part : node.path) {
      current = sdk::findGoField(*current, part);
      if (current == nullptr) return Value{};
    }
    return fromJson(current);
  }

  static bool compare(const ConditionNode& node, const Value& a, const Value& b) {
    const std::string& op = node.text;
    if (op == "==" || op == "!=") return equal(a, b) == (op == "==");
    int order = 0;
    if (a.type == Value::Type::kNumber && b.type == Value::Type::kNumber) {
      order = a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
    } else if (a.type == Value::Type::kString && b.type == Value::Type::kString) {
      order = a.string.compare(b.string);
    } else {
      fail(node, "'" + op + "' cannot compare " + describe(a) + " with " + describe(b));
    }
    if (op == "<") return order < 0;
    if (op == "<=") return order <= 0;
    if (op == ">") return order > 0;
    return order >= 0;
  }

  static bool equal(const Value& a, const Value& b) {
    if (a.type != b.type) return false;
    switch (a.type) {
      case Value::Type::kNil:
        return true;
      case Value::Type::kBool:
        return a.boolean == b.boolean;
      case Value::Type::kNumber:
        return a.number == b.number;
      case Value::Type::kString:
        return a.string == b.string;
      case Value::Type::kOther:
        return *a.json == *b.json;
    }
    return false;
  }

  const Condition& condition_;
  const rapidjson::Value& experiment_;
  rapidjson::Document view_;
};

}  // namespace

bool evaluateCondition(const Condition& condition, const rapidjson::Value& experiment) {
  if (condition.root < 0) throw ConditionError("the condition was not parsed");
  Evaluator evaluator(condition, experiment);
  const ConditionNode& root = condition.nodes.at(static_cast<std::size_t>(condition.root));
  Value result = evaluator.eval(condition.root);
  if (result.type != Value::Type::kBool) {
    std::string what = root.kind == Kind::kField ? pathText(root) + " is " : "the condition is ";
    fail(root, what + describe(result) + "; expected true or false");
  }
  return result.boolean;
}

}  // namespace iter8
