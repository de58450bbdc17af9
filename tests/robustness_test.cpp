// Unit tests of the hostile-input defences: text hygiene, secret masking in every form, YAML
// scalar typing without std::regex, status write-back (layout kept, concurrent writers).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/log.h"
#include "host/runner/termination_log.h"
#include "host/source/json_splice.h"
#include "host/source/local_source.h"
#include "host/source/status_file.h"
#include "lib/base64.h"
#include "lib/json.h"
#include "lib/process/subprocess.h"
#include "lib/text.h"
#include "lib/yaml.h"
#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Text, FindsTheFirstInvalidUtf8Byte) {
  EXPECT_EQ(firstInvalidUtf8("plain ascii"), std::nullopt);
  EXPECT_EQ(firstInvalidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::nullopt);
  EXPECT_EQ(firstInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(firstInvalidUtf8("a\xC0\xAF"), 1u);         // overlong '/'
  EXPECT_EQ(firstInvalidUtf8("a\xED\xA0\x80"), 1u);     // a UTF-16 surrogate
  EXPECT_EQ(firstInvalidUtf8("abc\xE2\x82"), 3u);       // cut short
  EXPECT_EQ(firstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
}

TEST(Text, EscapesControlCharactersAndInvalidBytes) {
  EXPECT_EQ(escapeControl("a\nFAKE\r\t\x1B[31m\x7F"), "a\\nFAKE\\r\\t\\x1B[31m\\x7F");
  EXPECT_EQ(escapeControl("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(escapeControl("bad\xFFtail"), "bad\\xFFtail");
}

TEST(Text, ShortensLongNamesOnACharacterBoundary) {
  EXPECT_EQ(shortenName("short"), "short");
  std::string name(200000, 'n');
  std::string shortened = shortenName(name, 10);
  EXPECT_EQ(shortened, "nnnnnnnnnn…(200000 bytes)");
  // "é" is two bytes; a cut in its middle steps back.
  EXPECT_EQ(truncateUtf8("ab\xC3\xA9", 3), "ab");
  std::string accents;
  for (int i = 0; i < 50; ++i) accents += "\xC3\xA9";
  EXPECT_EQ(firstInvalidUtf8(shortenName(accents, 11)), std::nullopt);
}

TEST(Text, QuotedValuesAreOneBoundedLine) {
  EXPECT_EQ(quoteValue("30s"), "'30s'");
  EXPECT_EQ(quoteValue("5s\nFAKE error"), "'5s\\nFAKE error'");
  const std::string quoted = quoteValue(std::string(100000, '7'));
  EXPECT_LT(quoted.size(), 160u);
  EXPECT_NE(quoted.find("…(100000 bytes)'"), std::string::npos);
}

TEST(Text, PercentEncodesLikeUrlEncoders) {
  EXPECT_EQ(percentEncode("a b/c+d~"), "a%20b%2Fc%2Bd~");
  EXPECT_EQ(percentEncode("a b", true), "a+b");
}

TEST(Secrets, EveryFormOfAValueIsMasked) {
  std::string value = "first-line-secret\nsecond-line-secret\n";
  registerSecret(value);
  for (const std::string& form :
       {value, std::string("first-line-secret\nsecond-line-secret"),
        std::string("first-line-secret"), std::string("second-line-secret"),
        std::string("first-line-secret second-line-secret"),
        std::string("first-line-secret\\nsecond-line-secret"), encodeBase64(value),
        encodeBase64("first-line-secret\nsecond-line-secret"), percentEncode(value),
        percentEncode(value, true)}) {
    std::string masked = redact("token=" + form + " end");
    EXPECT_THAT(masked, Not(HasSubstr("line-secret"))) << form;
    EXPECT_THAT(masked, Not(HasSubstr(encodeBase64(value)))) << form;
    EXPECT_THAT(masked, HasSubstr("token=")) << form;
  }
}

TEST(Secrets, TerminationLogLineIsOneEscapedUtf8LineWithTheReason) {
  registerSecret("multi\nline-password");
  std::string name(10 * 1024 * 1024, 't');
  std::string line =
      TerminationLog::lineFor("task 0 (" + name + "): failed: \xFF " + "multi line-password\nFAKE");
  EXPECT_LE(line.size(), 4001u);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(firstInvalidUtf8(line), std::nullopt);
  EXPECT_THAT(line, HasSubstr("failed: \\xFF ******\\nFAKE"));
  EXPECT_THAT(line, Not(HasSubstr("password")));
}

TEST(Yaml, TypesScalarsWithoutRegex) {
  rapidjson::Document doc = parseYaml(
      "i: -42\nf: 1.5e3\ng: .5\nh: 7.\ns: 1.2.3\nt: 1e\nu: '12'\nbig: " + std::string(100000, '9') +
      "\nneg: -.inf\n");
  EXPECT_EQ(doc["i"].GetInt64(), -42);
  EXPECT_DOUBLE_EQ(doc["f"].GetDouble(), 1500);
  EXPECT_DOUBLE_EQ(doc["g"].GetDouble(), 0.5);
  EXPECT_DOUBLE_EQ(doc["h"].GetDouble(), 7);
  EXPECT_STREQ(doc["s"].GetString(), "1.2.3");
  EXPECT_STREQ(doc["t"].GetString(), "1e");
  EXPECT_STREQ(doc["u"].GetString(), "12");
  EXPECT_EQ(doc["big"].GetStringLength(), 100000u);  // too big for a double: kept as text
  EXPECT_STREQ(doc["neg"].GetString(), "-.inf");     // JSON has no infinity
}

TEST(Yaml, RepeatedKeysKeepTheLastValueInLinearTime) {
  std::string text;
  for (int i = 0; i < 100000; ++i)
    text += "k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  text += "k5: last\n";
  auto start = std::chrono::steady_clock::now();
  rapidjson::Document doc = parseYaml(text);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(doc.MemberCount(), 100000u);
  EXPECT_STREQ(doc["k5"].GetString(), "last");
  EXPECT_LT(seconds, 30);  // was minutes (quadratic); generous for sanitizers and load
}

TEST(Yaml, RefusesSeveralDocuments) {
  try {
    parseYaml("a: 1\n---\nb: 2\n");
    FAIL() << "two documents accepted";
  } catch (const YamlError& e) {
    EXPECT_THAT(e.what(), HasSubstr("holds 2 YAML documents"));
  }
  EXPECT_EQ(parseYaml("---\na: 1\n")["a"].GetInt(), 1);
}

TEST(StatusFile, SpliceKeepsCommentsAndReplacesOnlyStatus) {
  std::string original =
      "# head\nspec:\n  a: 1 # why\nstatus:\n  old: 1\n  list:\n  - x\n\n# tail\nz: 2\n";
  rapidjson::Document status = parseJson(R"({"stage":"done"})");
  std::string text = spliceYamlStatus(original, status);
  EXPECT_EQ(text, "# head\nspec:\n  a: 1 # why\nstatus:\n  stage: done\n\n# tail\nz: 2\n");
  EXPECT_EQ(spliceYamlStatus("spec: {}\n", status), "spec: {}\nstatus:\n  stage: done\n");
}

// Two processes, fifty updates each, on one file: all hundred survive.
TEST(StatusFile, ConcurrentWritersLoseNoUpdate) {
  test::TempDir dir;
  std::string path = dir.write("exp.yaml", "# kept\nspec: {}\n");
  pid_t children[2];
  for (int c = 0; c < 2; ++c) {
    children[c] = ::fork();
    ASSERT_GE(children[c], 0);
    if (children[c] == 0) {
      int code = 0;
      try {
        LocalExperimentSource source(LocalSourceOptions{path, "", ""});
        for (int i = 0; i < 50; ++i) {
          rapidjson::Document patch =
              parseJson("{\"" + std::string(1, char('a' + c)) + std::to_string(i) +
                        "\": " + std::to_string(i) + "}");
          source.updateStatus(patch);
        }
      } catch (const std::exception& e) {
        fprintf(stderr, "child %d: %s\n", c, e.what());
        code = 1;
      }
      ::_exit(code);
    }
  }
  for (pid_t child : children) {
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::string text = test::readFile(path);
  rapidjson::Document doc = parseYaml(text);
  EXPECT_EQ(doc["status"].MemberCount(), 100u);
  EXPECT_THAT(text, HasSubstr("# kept"));
}

// stdout a pipe whose reader is gone: the Iter8Log line of a failed action used to kill the
// handler with SIGPIPE (exit 141) before the termination log was written.
TEST(ClosedOutput, AFailedActionStillWritesItsTerminationLog) {
  test::TempDir dir;
  std::string file = dir.write("exp.yaml",
                               "spec:\n  strategy:\n    actions:\n      start:\n"
                               "      - run: \"exit 3\"\n");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);  // nobody will read
  Subprocess handler;
  SubprocessOptions options;
  options.argv = test::handlerRunArgv("start", file, dir.file("termination-log"));
  options.stdoutTo = fds[1];
  options.stderrTo = kNullStream;
  ASSERT_EQ(handler.start(options), 0) << handler.startError();
  ::close(fds[1]);
  ASSERT_TRUE(handler.finish(Subprocess::Clock::now() + std::chrono::seconds(60)));
  ASSERT_TRUE(WIFEXITED(handler.status())) << "killed by signal " << WTERMSIG(handler.status());
  EXPECT_EQ(WEXITSTATUS(handler.status()), 1);
  EXPECT_THAT(test::readFile(dir.file("termination-log")),
              HasSubstr("action start, task 0 (run): "));
}

// A status written into a JSON file replaces the "status" member's text only: the spec's numbers
// stay as written (RapidJSON reads them as doubles: 12345678901234567890123 came back as
// 1.2345678901234568e+22), and so does the layout.
TEST(JsonWriteBack, OnlyTheStatusMembersTextChanges) {
  auto status = parseJson(R"({"stage":"Running","n":[1,2]})");
  const std::string spec =
      "{\n  \"spec\": {\"big\": 12345678901234567890123, \"s\": \"}\\\"{\", \"l\": [1, {\"x\": "
      "[]}]}";
  std::string added = spliceJsonStatus(spec + "\n}\n", status);
  EXPECT_EQ(added, spec +
                       ",\n  \"status\": {\n    \"stage\": \"Running\",\n    \"n\": [\n"
                       "      1,\n      2\n    ]\n  }\n}\n");
  std::string replaced = spliceJsonStatus(added, parseJson(R"({"stage":"Done"})"));
  EXPECT_NE(replaced.find("12345678901234567890123"), std::string::npos);
  EXPECT_NE(replaced.find("\"stage\": \"Done\""), std::string::npos);
  EXPECT_EQ(replaced.find("Running"), std::string::npos);
  EXPECT_EQ(parseJson(replaced)["status"], parseJson(R"({"stage":"Done"})"));
  EXPECT_EQ(spliceJsonStatus("[1, 2]", status), "") << "not an object: written whole";
  EXPECT_EQ(spliceJsonStatus("{\"a\": ", status), "") << "truncated: written whole";
}

}  // namespace
}  // namespace iter8
