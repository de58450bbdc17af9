// The walk and eval functions of Go's exec.go, one for one, over JSON data: the same order of
// evaluation and the same node named in each error ("executing at <...>"), so errors read and
// point where Go's do.
#include "host/template/exec.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <utility>
#include <variant>

#include "host/template/functions.h"
#include "host/template/lexer.h"

namespace iter8::template_internal {
namespace {

// Member `name` of `object`. encoding/json keeps the last of repeated keys, so do we.
const rapidjson::Value* lookUpMember(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* found = nullptr;
  for (const auto& member : object.GetObject()) {
    if (stringOf(member.name) == name) found = &member.value;
  }
  return found;
}

enum class Flow { kNormal, kBreak, kContinue };

class Executor {
 public:
  Executor(std::string_view text, const rapidjson::Value& data, const TemplateOptions& options)
      : text_(text), data_(data), options_(options) {
    if (options.callables.empty() || !data.IsObject()) return;
    // Like Go's methods, callables are not part of the data: `.`, `$`, range, index and
    // printf see a copy without them, so `.Secret` can only be called with a key.
    visible_.SetObject();
    for (const auto& member : data.GetObject()) {
      if (isCallable(stringOf(member.name))) continue;
      visible_.AddMember(rapidjson::Value(member.name, visible_.GetAllocator()),
                         rapidjson::Value(member.value, visible_.GetAllocator()),
                         visible_.GetAllocator());
    }
    root_ = &visible_;
  }

  std::string run(const std::vector<Node>& root) {
    const Value dot = Value::fromJson(*root_, false);
    vars_.emplace_back("$", dot);
    walkList(dot, root);
    return std::move(out_);
  }

 private:
  using Final = std::optional<Value>;  // the previous command's value in a pipeline
  using Args = std::vector<Arg>;

  // ---- errors, placed at the node Go would name ----

  void at(const Arg& arg) { at_ = &arg; }
  void at(const Command& command) { at_ = &command; }
  void at(const Pipe& pipe) { at_ = &pipe; }
  void at(const Node& node) { at_ = &node; }

  [[noreturn]] void fail(const std::string& message) const {
    std::size_t pos = 0;
    std::string context;
    std::visit(
        [&](const auto* node) {
          pos = node->pos;
          context = toString(*node);
        },
        at_);
    throwAt(text_, pos, "executing at <" + context + ">: " + message);
  }

  void write(std::string_view text) {
    out_ += text;
    if (out_.size() > options_.maxOutputBytes) {
      throw TemplateError("template: rendered text exceeds the limit of " +
                          std::to_string(options_.maxOutputBytes) + " bytes");
    }
  }

  // ---- variables ----

  const Value& varValue(const std::string& name) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    fail("undefined variable: " + name);
  }
  void setVar(const std::string& name, const Value& value) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        it->second = value;
        return;
      }
    }
    fail("undefined variable: " + name);
  }
  void pop(std::size_t mark) { vars_.resize(mark); }

  // ---- walking the tree ----

  Flow walkList(const Value& dot, const std::vector<Node>& list) {
    for (const auto& node : list) {
      const Flow flow = walk(dot, node);
      if (flow != Flow::kNormal) return flow;
    }
    return Flow::kNormal;
  }

  Flow walk(const Value& dot, const Node& node) {
    at(node);
    switch (node.kind) {
      case Node::Kind::kText:
        write(node.text);
        return Flow::kNormal;
      case Node::Kind::kAction: {
        // Variables declared here persist until the enclosing end; a declaration prints nothing.
        const Value value = evalPipeline(dot, *node.pipe);
        if (node.pipe->decl.empty()) printValue(node, value);
        return Flow::kNormal;
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith:
        return walkIfOrWith(dot, node);
      case Node::Kind::kRange:
        return walkRange(dot, node);
      case Node::Kind::kBreak:
        return Flow::kBreak;
      case Node::Kind::kContinue:
        return Flow::kContinue;
    }
    return Flow::kNormal;
  }

  Flow walkIfOrWith(const Value& dot, const Node& node) {
    const std::size_t mark = vars_.size();
    const Value value = evalPipeline(dot, *node.pipe);
    Flow flow = Flow::kNormal;
    if (isTrue(value.unboxed())) {
      flow = walkList(node.kind == Node::Kind::kWith ? value : dot, node.list);
    } else if (node.hasElse) {
      flow = walkList(dot, node.elseList);
    }
    pop(mark);
    return flow;
  }

  Flow walkRange(const Value& dot, const Node& node) {
    const std::size_t outerMark = vars_.size();
    const Value value = evalPipeline(dot, *node.pipe).unboxed();
    const std::size_t mark = vars_.size();
    const std::size_t declared = node.pipe->decl.size();
    // One iteration; true when the body said {{break}}.
    const auto iterate = [&](Value index, const rapidjson::Value& element) {
      if (++iterations_ > kMaxRangeIterations) {
        fail("range: more than " + std::to_string(kMaxRangeIterations) +
             " iterations in one rendering");
      }
      const Value elem = Value::fromJson(element, true);
      if (declared > 0) vars_[vars_.size() - 1].second = elem;
      if (declared > 1) vars_[vars_.size() - 2].second = std::move(index);
      const Flow flow = walkList(elem, node.list);
      pop(mark);
      return flow == Flow::kBreak;
    };
    bool empty = true;
    if (value.kind == Value::Kind::kSlice) {
      std::int64_t i = 0;
      for (const auto& element : value.json->GetArray()) {
        empty = false;
        if (iterate(Value::ofInt(i++), element)) break;
      }
    } else if (value.kind == Value::Kind::kMap) {
      // Go ranges over a map in sorted key order; encoding/json kept the last repeated key.
      std::map<std::string_view, const rapidjson::Value*> sorted;
      for (const auto& member : value.json->GetObject()) {
        sorted[stringOf(member.name)] = &member.value;
      }
      for (const auto& [key, element] : sorted) {
        empty = false;
        if (iterate(Value::ofString(std::string(key)), *element)) break;
      }
    } else if (value.kind != Value::Kind::kInvalid) {
      fail("range can't iterate over " + goSprint({value}));
    }
    if (empty && node.hasElse) {
      // Go's range swallows a {{break}} from its else list (it recovers every walkBreak).
      const Flow flow = walkList(dot, node.elseList);
      if (flow == Flow::kContinue) {
        pop(outerMark);
        return flow;
      }
    }
    pop(outerMark);
    return Flow::kNormal;
  }

  void printValue(const Node& node, const Value& value) {
    at(node);
    if (value.kind == Value::Kind::kInvalid) {
      if (!value.missingPath.empty() && options_.missingKeys != nullptr) {
        options_.missingKeys->push_back(value.missingPath);
      }
      write(options_.missingKey == MissingKey::kEmpty ? "" : "<no value>");
    } else {
      write(goSprint({value}));
    }
  }

  // ---- evaluating pipelines, commands and operands ----

  Value evalPipeline(const Value& dot, const Pipe& pipe) {
    at(pipe);
    Final value;
    for (const auto& command : pipe.cmds) {
      // Go unwraps an interface{} result before it goes on: a null element becomes no value.
      value = evalCommand(dot, command, value).unboxed();
    }
    for (const auto& variable : pipe.decl) {
      if (pipe.isAssign) {
        setVar(variable.name, *value);
      } else {
        vars_.emplace_back(variable.name, *value);
      }
    }
    return *value;
  }

  void notAFunction(const Args& args, const Final& final) {
    if (args.size() > 1 || final) fail("can't give argument to non-function " + toString(args[0]));
  }

  Value evalCommand(const Value& dot, const Command& command, const Final& final) {
    const Arg& first = command.args[0];
    switch (first.kind) {
      case Arg::Kind::kField:
        return evalFieldNode(dot, first, command.args, final);
      case Arg::Kind::kChain:
        return evalChainNode(dot, first, command.args, final);
      case Arg::Kind::kIdentifier:
        at(first);
        return evalCall(dot, first.text, command, command.args, final);
      case Arg::Kind::kPipe:
        notAFunction(command.args, final);
        return evalPipeline(dot, *first.pipe);
      case Arg::Kind::kVariable:
        return evalVariableNode(dot, first, command.args, final);
      default:
        break;
    }
    at(first);
    notAFunction(command.args, final);
    switch (first.kind) {
      case Arg::Kind::kBool:
        return Value::ofBool(first.boolValue);
      case Arg::Kind::kDot:
        return dot;
      case Arg::Kind::kNil:
        fail("nil is not a command");
      case Arg::Kind::kNumber:
        return idealConstant(first);
      default:  // kString
        return Value::ofString(first.stringValue);
    }
  }

  // A number where no type is known: Go picks float64 for a float's syntax, else int.
  Value idealConstant(const Arg& arg) {
    at(arg);
    const Number& number = arg.number;
    if (number.unsupported) fail(*number.unsupported);
    const std::string& text = arg.text;
    const bool hexInt = text.size() > 2 && text[0] == '0' && (text[1] | 0x20) == 'x';
    if (number.isFloat && !hexInt && text[0] != '\'' &&
        text.find_first_of(".eEpP") != std::string::npos) {
      return Value::ofFloat(number.floatValue);
    }
    if (number.isInt) return Value::ofInt(number.intValue);
    if (number.isUint) fail(text + " overflows int");
    return Value{};
  }

  Value evalFieldNode(const Value& dot, const Arg& field, const Args& args, const Final& final) {
    at(field);
    return evalFieldChain(dot, dot, field, field.idents, 0, args, final);
  }

  Value evalChainNode(const Value& dot, const Arg& chain, const Args& args, const Final& final) {
    at(chain);
    if (chain.term->kind == Arg::Kind::kNil) {
      fail("indirection through explicit nil in " + toString(chain));
    }
    const Value receiver = evalArg(dot, ParamType::kValue, *chain.term);
    return evalFieldChain(dot, receiver, chain, chain.idents, 0, args, final);
  }

  Value evalVariableNode(const Value& dot, const Arg& variable, const Args& args,
                         const Final& final) {
    at(variable);
    const Value value = varValue(variable.idents[0]);
    if (variable.idents.size() == 1) {
      notAFunction(args, final);
      return value;
    }
    return evalFieldChain(dot, value, variable, variable.idents, 1, args, final);
  }

  // .X.Y.Z possibly followed by arguments; `receiver` walks the chain from idents[from].
  Value evalFieldChain(const Value& dot, Value receiver, const Arg& node,
                       const std::vector<std::string>& idents, std::size_t from, const Args& args,
                       const Final& final) {
    static const Args noArgs;
    for (std::size_t i = from; i + 1 < idents.size(); ++i) {
      receiver = evalField(dot, idents[i], node, noArgs, std::nullopt, receiver, false);
    }
    Value result = evalField(dot, idents.back(), node, args, final, receiver, true);
    if (!result.missingPath.empty()) result.missingPath = toString(node);
    return result;
  }

  bool isCallable(std::string_view name) const {
    const auto& names = options_.callables;
    return std::find(names.begin(), names.end(), name) != names.end();
  }

  // A field of a JSON-tagged Go struct: the key as written, else with a lower-case first letter.
  const rapidjson::Value* lookUpField(const rapidjson::Value& object, std::string_view name) const {
    const rapidjson::Value* found = lookUpMember(object, name);
    if (found != nullptr || !options_.goFieldNames || name.empty() ||
        !std::isupper(static_cast<unsigned char>(name[0]))) {
      return found;
    }
    std::string jsonName(name);
    jsonName[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(jsonName[0])));
    return lookUpMember(object, jsonName);
  }

  Value evalField(const Value& dot, const std::string& name, const Arg& node, const Args& args,
                  const Final& final, const Value& receiver, bool last) {
    if (receiver.kind == Value::Kind::kInvalid) {
      if (options_.missingKey == MissingKey::kError) {
        fail("nil data; no entry for key " + goQuote(name));
      }
      return receiver;  // no value stays no value along the chain
    }
    if (receiver.kind == Value::Kind::kMap && receiver.json == root_ && isCallable(name)) {
      return callCallable(dot, name, node, args, final, last);
    }
    if (receiver.kind == Value::Kind::kNil) fail("nil pointer evaluating interface {}." + name);
    if (receiver.kind == Value::Kind::kMap) {
      if (args.size() > 1 || final) fail(name + " is not a method but has arguments");
      if (const rapidjson::Value* found = lookUpField(*receiver.json, name)) {
        return Value::fromJson(*found, true);
      }
      if (options_.missingKey == MissingKey::kError) {
        fail("map has no entry for key " + goQuote(name));
      }
      Value missing;
      missing.missingPath = name;  // replaced by the whole chain in evalFieldChain
      return missing;
    }
    fail("can't evaluate field " + name + " in type " + receiverTypeName(receiver));
  }

  // `.Name "key"` for a callable member Name: the value at "key" of the object `.Name`, with
  // the checks Go makes when calling a method of one string parameter.
  Value callCallable(const Value& dot, const std::string& name, const Arg& node, const Args& args,
                     const Final& final, bool last) {
    if (!last) {
      fail("can't evaluate field " + node.idents.back() + " of " + name +
           ": call it with a key, as in ." + name + " \"key\"");
    }
    const std::size_t count = (args.empty() ? 0 : args.size() - 1) + (final ? 1 : 0);
    if (count != 1) {
      fail("wrong number of args for " + name + ": want 1 got " + std::to_string(count));
    }
    const Value key = args.size() > 1 ? evalArg(dot, ParamType::kString, args[1])
                                      : validateType(*final, ParamType::kString);
    at(node);
    const rapidjson::Value* object = lookUpField(data_, name);
    if (object == nullptr || !object->IsObject()) fail(name + " is not available");
    const rapidjson::Value* value = lookUpMember(*object, key.string);
    if (value == nullptr) {
      throw TemplateKeyNotFound("template: " + describeLocation(text_, node.pos) +
                                ": executing at <" + toString(node) + ">: " + name +
                                " has no key " + goQuote(key.string));
    }
    std::string printed;
    printJson(printed, *value);
    return Value::ofString(std::move(printed));
  }

  // Go's validateType for the parameter types builtins have.
  Value validateType(const Value& value, ParamType type) {
    if (type != ParamType::kString) return value;
    if (value.kind == Value::Kind::kInvalid) fail("invalid value; expected string");
    if (value.kind != Value::Kind::kString) {
      fail("wrong type for value; expected string; got " +
           std::string(value.kind == Value::Kind::kNil ? "interface {}" : goTypeName(value)));
    }
    return value.unboxed();
  }

  Value evalArg(const Value& dot, ParamType type, const Arg& arg) {
    static const Args noArgs;
    at(arg);
    switch (arg.kind) {
      case Arg::Kind::kDot:
        return validateType(dot, type);
      case Arg::Kind::kNil:
        if (type == ParamType::kString) fail("cannot assign nil to string");
        return Value{};
      case Arg::Kind::kField:
        return validateType(evalFieldNode(dot, arg, noArgs, std::nullopt), type);
      case Arg::Kind::kVariable:
        return validateType(evalVariableNode(dot, arg, noArgs, std::nullopt), type);
      case Arg::Kind::kPipe:
        return validateType(evalPipeline(dot, *arg.pipe), type);
      case Arg::Kind::kIdentifier:
        return validateType(evalCall(dot, arg.text, arg, noArgs, std::nullopt), type);
      case Arg::Kind::kChain:
        return validateType(evalChainNode(dot, arg, noArgs, std::nullopt), type);
      default:
        break;
    }
    if (type == ParamType::kString) {
      if (arg.kind == Arg::Kind::kString) return Value::ofString(arg.stringValue);
      fail("expected string; found " + toString(arg));
    }
    if (arg.kind == Arg::Kind::kBool) return Value::ofBool(arg.boolValue);
    if (arg.kind == Arg::Kind::kNumber) return idealConstant(arg);
    return Value::ofString(arg.stringValue);
  }

  // A builtin function called from `node` (its command, or the identifier alone when it is an
  // argument); `args` holds the identifier first, as Go's do.
  template <typename CallNode>
  Value evalCall(const Value& dot, const std::string& name, const CallNode& node, const Args& args,
                 const Final& final) {
    const BuiltinSignature signature = builtinSignature(name);
    const std::size_t given = args.empty() ? 0 : args.size() - 1;
    const std::size_t numIn = given + (final ? 1 : 0);
    const auto fixed = static_cast<std::size_t>(signature.numIn - (signature.variadic ? 1 : 0));
    if (signature.variadic && numIn < fixed) {
      fail("wrong number of args for " + name + ": want at least " + std::to_string(fixed) +
           " got " + std::to_string(given));
    }
    if (!signature.variadic && numIn != static_cast<std::size_t>(signature.numIn)) {
      fail("wrong number of args for " + name + ": want " + std::to_string(signature.numIn) +
           " got " + std::to_string(numIn));
    }
    if (name == "and" || name == "or") {  // short-circuit, as Go 1.18 and later do
      Value value;
      for (std::size_t i = 1; i < args.size(); ++i) {
        value = evalArg(dot, ParamType::kValue, args[i]);
        if (isTrue(value.unboxed()) == (name == "or")) return value;
      }
      return final ? *final : value;
    }
    std::vector<Value> argv;
    for (std::size_t i = 1; i < args.size(); ++i) {
      const ParamType type = i == 1 ? signature.first : ParamType::kValue;
      argv.push_back(evalArg(dot, type, args[i]));
    }
    if (final) {
      argv.push_back(validateType(*final, numIn == 1 ? signature.first : ParamType::kValue));
    }
    Value result;
    std::optional<std::string> error;
    try {
      error = callBuiltin(name, argv, result);
    } catch (const Unsupported& e) {
      at(node);
      fail(e.what());
    }
    if (error) {
      at(node);
      fail("error calling " + name + ": " + *error);
    }
    if (result.kind == Value::Kind::kString && result.string.size() > options_.maxOutputBytes) {
      throw TemplateError("template: rendered text exceeds the limit of " +
                          std::to_string(options_.maxOutputBytes) + " bytes");
    }
    return result;
  }

  std::string_view text_;
  const rapidjson::Value& data_;           // the data as given, callables included
  rapidjson::Document visible_;            // the data without callables, when there are some
  const rapidjson::Value* root_ = &data_;  // what `.` and `$` start as
  const TemplateOptions& options_;
  std::string out_;
  std::vector<std::pair<std::string, Value>> vars_;
  std::variant<const Arg*, const Command*, const Pipe*, const Node*> at_ =
      static_cast<const Node*>(nullptr);
  std::size_t iterations_ = 0;
};

}  // namespace

std::string execute(std::string_view text, const std::vector<Node>& root,
                    const rapidjson::Value& data, const TemplateOptions& options) {
  return Executor(text, data, options).run(root);
}

}  // namespace iter8::template_internal
