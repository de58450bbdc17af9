// The parse tree of a template, shaped like Go's text/template/parse nodes, and the helpers
// that place an error in the text the way Go does.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iter8::template_internal {

// Line (1-based) and column (0-based byte offset within the line) of byte `pos`: "3:7".
std::string describeLocation(std::string_view text, std::size_t pos);
std::size_t lineOf(std::string_view text, std::size_t pos);
// Throws a TemplateError "template: LINE:COL: message".
[[noreturn]] void throwAt(std::string_view text, std::size_t pos, const std::string& message);

// A number constant as Go's parse.NumberNode describes it.
struct Number {
  bool isInt = false;
  bool isUint = false;
  bool isFloat = false;
  std::int64_t intValue = 0;
  double floatValue = 0;
  // Syntax Go accepts that we do not evaluate (complex numbers, hexadecimal floats): the
  // message of the error raised if the constant is ever evaluated.
  std::optional<std::string> unsupported;
};

struct Pipe;

// An operand of a command (Go's DotNode, NilNode, BoolNode, NumberNode, StringNode, FieldNode,
// VariableNode, IdentifierNode, PipeNode and ChainNode).
struct Arg {
  enum class Kind {
    kDot,
    kNil,
    kBool,
    kNumber,
    kString,
    kField,
    kVariable,
    kIdentifier,
    kPipe,
    kChain
  };
  Kind kind = Kind::kDot;
  std::size_t pos = 0;
  std::string text;  // the source form Go prints: "3", "\"s\"", "eq"; kChain: unused
  // kField: field names; kVariable: "$x" then field names; kChain: the fields after the term.
  std::vector<std::string> idents;
  bool boolValue = false;
  Number number;
  std::string stringValue;
  std::unique_ptr<Pipe> pipe;  // kPipe
  std::unique_ptr<Arg> term;   // kChain: the term the fields apply to
};

struct Command {
  std::size_t pos = 0;
  std::vector<Arg> args;
};

struct Variable {
  std::string name;
  std::size_t pos = 0;
};

struct Pipe {
  std::size_t pos = 0;
  bool isAssign = false;       // "$x = ..." rather than "$x := ..."
  std::vector<Variable> decl;  // variables declared or assigned
  std::vector<Command> cmds;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kBreak, kContinue };
  Kind kind = Kind::kText;
  std::size_t pos = 0;
  std::string text;            // kText
  std::unique_ptr<Pipe> pipe;  // kAction, kIf, kRange, kWith
  std::vector<Node> list;
  std::vector<Node> elseList;
  bool hasElse = false;
};

// Go's String() of each node, used in "executing at <...>" contexts and some messages.
std::string toString(const Arg& arg);
std::string toString(const Command& command);
std::string toString(const Pipe& pipe);
std::string toString(const Node& node);

}  // namespace iter8::template_internal
