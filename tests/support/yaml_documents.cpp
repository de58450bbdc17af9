#include "tests/support/yaml_documents.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "lib/yaml.h"

namespace iter8::testing {

std::vector<rapidjson::Document> parseYamlDocuments(const std::string& text) {
  std::vector<std::string> texts(1);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("---", 0) == 0 && line.find_first_not_of(' ', 3) == std::string::npos) {
      texts.emplace_back();
    } else {
      texts.back() += line + "\n";
    }
  }
  std::vector<rapidjson::Document> documents;
  for (const std::string& one : texts) {
    rapidjson::Document document = parseYaml(one);
    if (!document.IsNull()) documents.push_back(std::move(document));
  }
  return documents;
}

std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace iter8::testing
