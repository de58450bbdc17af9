#include "host/template/tree.h"

#include <algorithm>

#include "host/template/template.h"

namespace iter8::template_internal {

std::size_t lineOf(std::string_view text, std::size_t pos) {
  const std::string_view before = text.substr(0, std::min(pos, text.size()));
  return 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
}

std::string describeLocation(std::string_view text, std::size_t pos) {
  const std::string_view before = text.substr(0, std::min(pos, text.size()));
  const auto lastNewline = before.rfind('\n');
  const auto column =
      lastNewline == std::string_view::npos ? before.size() : before.size() - lastNewline - 1;
  return std::to_string(lineOf(text, pos)) + ":" + std::to_string(column);
}

void throwAt(std::string_view text, std::size_t pos, const std::string& message) {
  throw TemplateError("template: " + describeLocation(text, pos) + ": " + message);
}

namespace {

void writeList(std::string& out, const std::vector<Node>& list) {
  for (const auto& node : list) out += toString(node);
}

void writeControl(std::string& out, const char* keyword, const Node& node) {
  out += "{{";
  out += keyword;
  out += ' ';
  out += toString(*node.pipe);
  out += "}}";
  writeList(out, node.list);
  if (node.hasElse) {
    out += "{{else}}";
    writeList(out, node.elseList);
  }
  out += "{{end}}";
}

}  // namespace

std::string toString(const Arg& arg) {
  std::string out;
  switch (arg.kind) {
    case Arg::Kind::kField:
      for (const auto& name : arg.idents) out += "." + name;
      return out;
    case Arg::Kind::kVariable:
      for (std::size_t i = 0; i < arg.idents.size(); ++i) {
        if (i > 0) out += '.';
        out += arg.idents[i];
      }
      return out;
    case Arg::Kind::kPipe:
      return toString(*arg.pipe);
    case Arg::Kind::kChain:
      out = arg.term->kind == Arg::Kind::kPipe ? "(" + toString(*arg.term) + ")"
                                               : toString(*arg.term);
      for (const auto& name : arg.idents) out += "." + name;
      return out;
    default:
      return arg.text;
  }
}

std::string toString(const Command& command) {
  std::string out;
  for (std::size_t i = 0; i < command.args.size(); ++i) {
    if (i > 0) out += ' ';
    const Arg& arg = command.args[i];
    out += arg.kind == Arg::Kind::kPipe ? "(" + toString(arg) + ")" : toString(arg);
  }
  return out;
}

std::string toString(const Pipe& pipe) {
  std::string out;
  for (std::size_t i = 0; i < pipe.decl.size(); ++i) {
    if (i > 0) out += ", ";
    out += pipe.decl[i].name;
  }
  if (!pipe.decl.empty()) out += " := ";  // Go prints ":=" for assignments too
  for (std::size_t i = 0; i < pipe.cmds.size(); ++i) {
    if (i > 0) out += " | ";
    out += toString(pipe.cmds[i]);
  }
  return out;
}

std::string toString(const Node& node) {
  std::string out;
  switch (node.kind) {
    case Node::Kind::kText:
      return node.text;
    case Node::Kind::kAction:
      return "{{" + toString(*node.pipe) + "}}";
    case Node::Kind::kIf:
      writeControl(out, "if", node);
      return out;
    case Node::Kind::kRange:
      writeControl(out, "range", node);
      return out;
    case Node::Kind::kWith:
      writeControl(out, "with", node);
      return out;
    case Node::Kind::kBreak:
      return "{{break}}";
    case Node::Kind::kContinue:
      return "{{continue}}";
  }
  return out;
}

}  // namespace iter8::template_internal
