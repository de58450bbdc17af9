// Go text/template for Iter8's task inputs: renderTemplate lexes (lexer.cpp), parses the whole
// text (parser.cpp) and only then executes it (exec.cpp), as Go does, so a parse error anywhere
// means no output at all. Golden results from real Go live in tests/golden/template.
#include "host/template/template.h"

#include "host/template/exec.h"
#include "host/template/lexer.h"
#include "host/template/parser.h"

namespace iter8 {

void checkTemplateSyntax(std::string_view text, const TemplateDelims& delims) {
  using namespace template_internal;
  parseTemplate(text, lexTemplate(text, delims.left, delims.right));
}

std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateDelims& delims) {
  TemplateOptions options;
  options.delims = delims;
  return renderTemplate(text, data, options);
}

std::string renderTemplate(std::string_view text, const rapidjson::Value& data,
                           const TemplateOptions& options) {
  using namespace template_internal;
  const std::vector<Node> root =
      parseTemplate(text, lexTemplate(text, options.delims.left, options.delims.right));
  return execute(text, root, data, options);
}

}  // namespace iter8
