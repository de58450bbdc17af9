#include "host/report/report_render.h"

#include <iterator>

namespace iter8::report {
namespace {

// In the enums' order.
constexpr const char* kRoleWords[] = {"baseline", "candidate", "pseudo"};

struct SourceWords {
  const char* text;    // JSON and HTML
  const char* column;  // the table's pct column, explained under it
};
constexpr SourceWords kSourceWords[] = {
    {"", ""},
    {"sketch", "all"},  // the table says "last N" when it covers fewer runs than all
    {"exact", "exact"},
    {"exact (last run)", "exact/L"},
    {"histogram", "hist"},
    {"histogram (failures included)", "hist+F"},
};

static_assert(std::size(kRoleWords) == static_cast<size_t>(Role::kPseudo) + 1);
static_assert(std::size(kSourceWords) ==
              static_cast<size_t>(PercentileSource::kHistogramWithFailures) + 1);

}  // namespace

std::string roleText(Role role) {
  return kRoleWords[static_cast<int>(role)];
}

std::string percentileSourceText(PercentileSource source) {
  return kSourceWords[static_cast<int>(source)].text;
}

std::string percentileSourceColumn(PercentileSource source) {
  return kSourceWords[static_cast<int>(source)].column;
}

}  // namespace iter8::report
