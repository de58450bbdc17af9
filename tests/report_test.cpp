// `handler report` from a fixed experiment file with known figures: the table and the JSON are
// compared with expected files exactly; the HTML is rendered in headless Chromium when it is
// installed (tests/report/check_html.sh), else that test is skipped with a message.
#include <sys/stat.h>

#include <filesystem>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/json.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using test::ProcessOptions;
using test::readFile;
using test::runProcess;
using test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kDir = std::string(ITER8_SOURCE_DIR) + "/tests/report";
const std::string kFixture = kDir + "/fixed-experiment.yaml";

test::ProcessResult report(std::vector<std::string> args, ProcessOptions options = {}) {
  std::vector<std::string> argv{test::handlerPath(), "report", "-f", kFixture};
  argv.insert(argv.end(), args.begin(), args.end());
  return runProcess(argv, options);
}

TEST(Report, TableShowsEveryFigureOfTheFixtureAligned) {
  auto r = report({});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, readFile(kDir + "/expected-report.txt"));
  EXPECT_THAT(r.out, Not(HasSubstr("\033["))) << "no colour when stdout is not a terminal";
  size_t start = 0;
  while (start < r.out.size()) {
    size_t end = r.out.find('\n', start);
    EXPECT_LE(end - start, 100u) << "wider than 100 columns: " << r.out.substr(start, end - start);
    start = end + 1;
  }
}

TEST(Report, JsonHasTheDocumentedFields) {
  auto r = report({"--format", "json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, readFile(kDir + "/expected-report.json"));
  auto doc = parseJson(r.out);  // and it is JSON
  EXPECT_EQ(doc["versions"].Size(), 3u);
}

TEST(Report, WritesTheOutputFileWhole) {
  TempDir dir;
  auto r = report({"--format", "json", "-o", dir.file("r.json")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(readFile(dir.file("r.json")), readFile(kDir + "/expected-report.json"));
  EXPECT_THAT(r.err, HasSubstr("report written to " + dir.file("r.json")));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1)
      << "no temporary file left";
}

// -o is checked as the status write-back is: through a symlink to its file, and never over a
// device, a FIFO or a folder (as root, renaming over /dev/stdout replaced the device link).
TEST(Report, OutputFollowsSymlinksAndRefusesWhatIsNotAFile) {
  TempDir dir;
  dir.write("real.txt", "old");
  std::filesystem::create_symlink(dir.file("real.txt"), dir.file("link.txt"));
  auto viaLink = report({"-o", dir.file("link.txt")});
  ASSERT_EQ(viaLink.exitCode, 0) << viaLink.err;
  EXPECT_TRUE(std::filesystem::is_symlink(dir.file("link.txt")));
  EXPECT_EQ(readFile(dir.file("real.txt")), readFile(kDir + "/expected-report.txt"));

  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  auto fifo = report({"-o", dir.file("fifo")});
  EXPECT_EQ(fifo.exitCode, 1);
  EXPECT_THAT(fifo.err, HasSubstr("cannot write " + dir.file("fifo") +
                                  ": it is a FIFO; expected a regular file"));
  struct stat info {};
  ASSERT_EQ(::lstat(dir.file("fifo").c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode)) << "the FIFO must not be replaced";

  auto folder = report({"-o", dir.path()});
  EXPECT_EQ(folder.exitCode, 1);
  EXPECT_THAT(folder.err, HasSubstr("it is a directory; expected a regular file"));
}

TEST(Report, ColourOnlyOnATerminalAndNeverWithNoColor) {
  // `script` gives the handler a terminal on stdout.
  if (system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script(1) not installed";
  std::string command = test::handlerPath() + " report -f " + kFixture;
  auto tty = runProcess({"script", "-qec", command, "/dev/null"});
  ASSERT_EQ(tty.exitCode, 0) << tty.err;
  EXPECT_THAT(tty.out, HasSubstr("\033[31m"));
  ProcessOptions noColor;
  noColor.env["NO_COLOR"] = "1";
  auto plain = runProcess({"script", "-qec", command, "/dev/null"}, noColor);
  ASSERT_EQ(plain.exitCode, 0) << plain.err;
  EXPECT_THAT(plain.out, Not(HasSubstr("\033[")));
}

TEST(Report, BadFormatAndUnreadableExperimentsAreClearErrors) {
  auto format = report({"--format", "jsn"});
  EXPECT_EQ(format.exitCode, 2);
  EXPECT_THAT(format.err, HasSubstr("--format 'jsn' (did you mean `json`?)"));
  auto missing = runProcess({test::handlerPath(), "report", "-f", "/nonexistent/e.yaml"});
  EXPECT_EQ(missing.exitCode, 3);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/e.yaml"));
}

TEST(Report, AnExperimentWithoutResultsSaysNothingWasMeasured) {
  TempDir dir;
  std::string path = dir.write("e.yaml",
                               "apiVersion: iter8.tools/v2alpha2\nkind: Experiment\n"
                               "metadata: {name: e, namespace: ns}\nspec:\n  target: ns/app\n"
                               "  versionInfo:\n    baseline: {name: a}\n");
  auto r = runProcess({test::handlerPath(), "report", "-f", path});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\na*              not measured by metrics/collect\n"));
}

TEST(Report, ReadsWhatTheGoHandlerRecorded) {
  auto r = runProcess({test::handlerPath(), "report", "-f", kDir + "/go-handler-experiment.yaml"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nv1*                  20     0.00  10.00%   15.00   20.00   "));
  EXPECT_THAT(r.out, HasSubstr("hist+F\n"));
  EXPECT_THAT(r.out, HasSubstr("v1: 2 of 20 (HTTP 503: 2)"));
}

TEST(Report, HtmlRendersInHeadlessChromiumWithoutAnyRequest) {
  TempDir dir;
  auto r = report({"--format", "html", "-o", dir.file("report.html")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string html = readFile(dir.file("report.html"));
  for (const char* id :
       {"id=\"summary\"", "id=\"latency-histogram-linear\"", "id=\"latency-histogram-log\"",
        "id=\"percentile-chart\"", "id=\"errors\""}) {
    EXPECT_THAT(html, HasSubstr(id));
  }
  EXPECT_THAT(html, Not(HasSubstr("http://"))) << "nothing may load from elsewhere";
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  auto browser = runProcess({"bash", kDir + "/check_html.sh", dir.file("report.html"), dir.path()});
  if (browser.exitCode == 77) GTEST_SKIP() << browser.out << browser.err;
  EXPECT_EQ(browser.exitCode, 0) << browser.out << browser.err;

  // The check itself catches a page that fetches something.
  TempDir other;
  std::string leaky = html;
  leaky.replace(leaky.find("</body>"), 7, "<img src=\"http://127.0.0.1:9/tracker.png\"></body>");
  leaky.replace(leaky.find("<meta http-equiv"), 16, "<meta data-x");  // drop the CSP
  other.write("leaky.html", leaky);
  auto caught =
      runProcess({"bash", kDir + "/check_html.sh", other.file("leaky.html"), other.path()});
  EXPECT_EQ(caught.exitCode, 1) << caught.out << caught.err;
  EXPECT_THAT(caught.out, HasSubstr("the page made requests: http://127.0.0.1:9/tracker.png"));
}

// The extremes of magnitude (0.001 ms to 1,000,000 ms, differences over 10,000 %) in a laptop's
// window: nothing scrolls sideways, share axes stop at 100 %, ticks are round numbers.
TEST(Report, HtmlFitsALaptopWindowAtAnyMagnitude) {
  TempDir dir;
  auto r = runProcess({test::handlerPath(), "report", "-f", kDir + "/sketch-experiment.yaml",
                       "--format", "html", "-o", dir.file("report.html")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string html = readFile(dir.file("report.html"));
  EXPECT_THAT(html, HasSubstr("id=\"latency-cdf\""));
  EXPECT_THAT(html, HasSubstr("run 2 of 4 stopped after 3.2 s of 30 s (96 responses)"));
  EXPECT_THAT(html, HasSubstr("14 sends over 1 ms late, 3 sends never made"));
  EXPECT_THAT(html, HasSubstr("the last 2 of 4 runs"));
  auto browser =
      runProcess({"bash", kDir + "/check_html_desktop.sh", dir.file("report.html"), dir.path()});
  if (browser.exitCode == 77) GTEST_SKIP() << browser.out << browser.err;
  EXPECT_EQ(browser.exitCode, 0) << browser.out << browser.err;

  // The check itself catches a table that scrolls and a share axis past 100 %.
  TempDir other;
  std::string narrow = html;
  narrow.replace(narrow.find("max-width:1240px"), 16, "max-width:500px");
  size_t tick = narrow.find(">60%</text>");
  ASSERT_NE(tick, std::string::npos) << "the fixture's histogram axis tops at 60 %";
  narrow.replace(tick, 11, ">160%</text>");
  other.write("narrow.html", narrow);
  auto caught = runProcess(
      {"bash", kDir + "/check_html_desktop.sh", other.file("narrow.html"), other.path()});
  EXPECT_EQ(caught.exitCode, 1) << caught.out << caught.err;
  EXPECT_THAT(caught.out, HasSubstr("the comparison table is"));
  EXPECT_THAT(caught.out, HasSubstr("a share axis reaches 160%"));
}

// Figures of any magnitude keep at least one space between them in the text table.
TEST(Report, TableColumnsNeverRunTogether) {
  auto r = runProcess({test::handlerPath(), "report", "-f", kDir + "/sketch-experiment.yaml"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("+999999.99"));
  EXPECT_THAT(r.out, HasSubstr("+19999999900.0%"));
  EXPECT_THAT(r.out, HasSubstr("0.001"));
  EXPECT_FALSE(std::regex_search(r.out, std::regex("[0-9%][+-][0-9]")))
      << "two figures ran together:\n"
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("v2: run 2 of 4 stopped after 3.2 s of 30 s (96 responses)"));
  EXPECT_THAT(r.out, HasSubstr("last 2"));
}

// Percentiles from the sketch keep their order and stay within the recorded extremes.
TEST(Report, SketchPercentilesAreOrderedAndWithinMinAndMax) {
  auto r = runProcess(
      {test::handlerPath(), "report", "-f", kDir + "/sketch-experiment.yaml", "--format", "json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = parseJson(r.out);
  const double mins[] = {0.001, 10'000}, maxes[] = {0.005, 1'000'000};
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const auto& v = doc["versions"][i];
    EXPECT_STREQ(v["percentileSource"].GetString(), "sketch");
    double previous = 0;
    for (const char* p : {"p50", "p90", "p95", "p99", "p99.9"}) {
      double value = v["latencyMs"][p].GetDouble();
      EXPECT_GE(value, previous) << v["name"].GetString() << " " << p;
      EXPECT_GE(value, mins[i]) << p;
      EXPECT_LE(value, maxes[i]) << p;
      previous = value;
    }
  }
  EXPECT_EQ(doc["versions"][1]["percentileRuns"].GetInt(), 2);
  EXPECT_EQ(doc["versions"][1]["interruptions"][0]["run"].GetInt(), 2);
  EXPECT_EQ(doc["versions"][1]["unsent"].GetInt(), 3);
}

}  // namespace
}  // namespace iter8
