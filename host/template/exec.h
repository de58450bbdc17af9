// Executes a parsed template as Go's text/template/exec.go does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "host/template/template.h"
#include "host/template/tree.h"

namespace iter8::template_internal {

// Range iterations allowed in one rendering, nested loops included. Go has no limit; ours keeps
// a template over large data from running for hours without printing (the output itself is
// bounded by TemplateOptions::maxOutputBytes).
constexpr std::size_t kMaxRangeIterations = 1000000;

std::string execute(std::string_view text, const std::vector<Node>& root,
                    const rapidjson::Value& data, const TemplateOptions& options);

}  // namespace iter8::template_internal
