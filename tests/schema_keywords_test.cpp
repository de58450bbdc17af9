// docs/schema-keywords.md's table is what the host does: each row's schema and input go through
// the host's input check (checkInputs, as MakeTask's caller runs it), and the row's message
// must be the one the host gives ("accepted" when the input passes: the keyword is ignored).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host/loader/input_validation.h"
#include "lib/json.h"

namespace iter8 {
namespace {

struct Row {
  std::string keyword, host, schema, input, message;
};

// The text of a cell: one `code span`, or the cell as written.
std::string cell(std::string text) {
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() >= 2 && text.front() == '`' && text.back() == '`') {
    text = text.substr(1, text.size() - 2);
  }
  return text;
}

std::vector<Row> tableRows(const std::string& path) {
  std::ifstream in(path);
  std::vector<Row> rows;
  std::string line;
  bool inTable = false;
  while (std::getline(in, line)) {
    if (line.rfind("| keyword |", 0) == 0) {
      inTable = true;
      continue;
    }
    if (!inTable || line.rfind("|---", 0) == 0) continue;
    if (line.empty() || line[0] != '|') break;
    std::vector<std::string> cells;
    std::stringstream parts(line.substr(1));
    std::string part;
    while (std::getline(parts, part, '|')) cells.push_back(cell(part));
    if (cells.size() < 5) continue;
    rows.push_back({cells[0], cells[1], cells[2], cells[3], cells[4]});
  }
  return rows;
}

TEST(SchemaKeywords, TheDocumentedTableIsWhatTheHostDoes) {
  const std::string path = std::string(ITER8_SOURCE_DIR) + "/docs/schema-keywords.md";
  std::vector<Row> rows = tableRows(path);
  ASSERT_GE(rows.size(), 20u) << "no keyword table found in " << path;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.keyword);
    rapidjson::Document schema = parseJson(row.schema);
    rapidjson::Document with = parseJson(row.input);
    InputCheck result = checkInputs(with, with.GetAllocator(), schema);
    const std::string actual = result.ok ? "accepted" : result.error;
    EXPECT_EQ(actual, row.message);
    EXPECT_EQ(row.host == "ignored", result.ok) << "a row marked '" << row.host << "'";
  }
}

}  // namespace
}  // namespace iter8
