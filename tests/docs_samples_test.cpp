// The plugin guide's sample outputs are the real binary's: every ```console block of
// docs/plugin-guide.md is run (its `$ ` lines, in one shell, in a folder laid out as the guide
// describes: build/hello.so, experiment.yaml, nobody.yaml, eleven.yaml) and its output must be
// the block's, timestamps aside. ITER8_UPDATE_DOCS=1 rewrites the blocks from what ran.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using test::handlerPath;
using test::readFile;
using test::runProcess;
using test::TempDir;
using test::testPluginDir;

const std::string kGuide = std::string(ITER8_SOURCE_DIR) + "/docs/plugin-guide.md";
const std::string kShownTime = "2026-11-29T03:40:00.123+00:00";

struct Block {
  size_t begin = 0, end = 0;  // the lines between the fences, [begin, end)
  std::vector<std::string> lines;
};

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<Block> consoleBlocks(const std::vector<std::string>& lines) {
  std::vector<Block> blocks;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] != "```console") continue;
    Block block;
    block.begin = i + 1;
    for (++i; i < lines.size() && lines[i] != "```"; ++i) block.lines.push_back(lines[i]);
    block.end = i;
    blocks.push_back(block);
  }
  return blocks;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Log timestamps differ from run to run: all become the one the guide shows.
std::string fixedTimes(const std::string& text) {
  static const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00)");
  return std::regex_replace(text, time, kShownTime);
}

// The folder the guide's commands run in.
void layOut(const TempDir& dir) {
  std::filesystem::create_directories(dir.file("build"));
  std::filesystem::copy_file(testPluginDir("hello") + "/hello.so", dir.file("build/hello.so"));
  const std::string experiment =
      readFile(std::string(ITER8_SOURCE_DIR) + "/examples/plugin-hello/experiment.yaml");
  dir.write("experiment.yaml", experiment);
  dir.write("nobody.yaml", replaceAll(experiment, "who: plugin authors", "who: nobody"));
  dir.write("eleven.yaml", replaceAll(experiment, "times: 2", "times: 11"));
}

// What the block's commands print, each after its `$ ` line, as the guide shows it.
std::string runBlock(const Block& block) {
  TempDir dir;
  layOut(dir);
  // `$?` after a command is the command's, not the printf's that shows the next `$ ` line.
  // A TMPDIR of its own: the handler removes the scratch folders that killed handlers left in
  // its TMPDIR and says so, and other tests kill handlers in the shared one.
  std::string script = "cd '" + dir.path() + "'\nmkdir tmp\nexport TMPDIR=\"$PWD/tmp\"\n" +
                       "unset SCRATCH_DIR\nstatus=0\n";
  for (const auto& line : block.lines) {
    if (line.rfind("$ ", 0) != 0) continue;
    std::string command = line.substr(2);
    command = replaceAll(command, "~/iter8/bin/handler", handlerPath());
    command = replaceAll(command, "/tmp/termination-log", dir.file("termination-log"));
    script += "printf '%s\\n' '" + replaceAll(line, "'", "'\\''") + "'\n(exit $status); " +
              command + " 2>&1\nstatus=$?\n";
  }
  auto result = runProcess({"bash", "-c", script});
  return fixedTimes(result.out);
}

TEST(DocsSamples, ThePluginGuideShowsWhatTheBinaryPrints) {
  std::vector<std::string> lines = linesOf(readFile(kGuide));
  std::vector<Block> blocks = consoleBlocks(lines);
  ASSERT_GE(blocks.size(), 5u) << "no ```console blocks in " << kGuide;
  const bool update = std::getenv("ITER8_UPDATE_DOCS") != nullptr;
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {  // last first: indexes stay valid
    std::string shown;
    for (const auto& line : it->lines) shown += line + "\n";
    const std::string actual = runBlock(*it);
    if (update) {
      std::vector<std::string> fresh = linesOf(actual);
      lines.erase(lines.begin() + static_cast<long>(it->begin),
                  lines.begin() + static_cast<long>(it->end));
      lines.insert(lines.begin() + static_cast<long>(it->begin), fresh.begin(), fresh.end());
      continue;
    }
    EXPECT_EQ(fixedTimes(shown), actual)
        << "docs/plugin-guide.md line " << it->begin
        << " differs from the binary; ITER8_UPDATE_DOCS=1 rewrites it";
  }
  if (update) {
    std::ofstream out(kGuide);
    for (const auto& line : lines) out << line << "\n";
  }
}

}  // namespace
}  // namespace iter8
