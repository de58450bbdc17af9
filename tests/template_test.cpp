#include "host/template/template.h"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lib/json.h"

namespace iter8 {
namespace {

// TEMPLATE_GOLDEN_DIR points the golden test at another cases.json/expected.json pair, e.g.
// generated cases for a differential run against Go; by default the committed goldens.
std::string goldenDir() {
  const char* override = std::getenv("TEMPLATE_GOLDEN_DIR");
  if (override != nullptr && *override != '\0') return std::string(override) + "/";
  return std::string(ITER8_SOURCE_DIR) + "/tests/golden/template/";
}

// Reads a golden file. Numbers are parsed at full precision, as Go's encoding/json does, so
// that a 30-digit number in a case is the same float64 on both sides.
rapidjson::Document loadJson(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  if (!file) throw std::runtime_error("cannot read " + path);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(content.str().c_str());
  if (doc.HasParseError()) throw std::runtime_error("invalid JSON in " + path);
  return doc;
}

std::string stringMember(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* member = findMember(object, name);
  return member != nullptr && member->IsString() ? member->GetString() : "";
}

// Where an error message places the problem, and what it says with the place taken out.
struct ParsedError {
  int line = -1;
  int column = -1;  // -1 when the message gives a line only (Go's parse errors)
  std::string reason;
};

// Go: "template: t:LINE[:COL]: reason"; ours: "template: LINE:COL: reason". Go names the
// template ("t" in gen.go) where we have no name, so that part is normalised away.
ParsedError parseError(const std::string& message, bool fromGo) {
  static const std::regex goForm(R"(^template: t:(\d+)(?::(\d+))?: ([\s\S]*)$)");
  static const std::regex ourForm(R"(^template: (\d+):(\d+): ([\s\S]*)$)");
  static const std::regex startedAt(R"(started at (t:)?\d+(:\d+)?)");
  std::smatch match;
  ParsedError parsed;
  if (!std::regex_match(message, match, fromGo ? goForm : ourForm)) return parsed;
  parsed.line = std::stoi(match[1]);
  if (match[2].matched) parsed.column = std::stoi(match[2]);
  parsed.reason = std::regex_replace(match[3].str(), startedAt, "started at");
  const std::string goExecuting = "executing \"t\" at";
  if (auto at = parsed.reason.find(goExecuting); at != std::string::npos) {
    parsed.reason.replace(at, goExecuting.size(), "executing at");
  }
  return parsed;
}

// Both golden files, read once for all cases.
struct Goldens {
  rapidjson::Document cases;
  rapidjson::Document expected;
};

const Goldens& goldens() {
  static const Goldens files{loadJson(goldenDir() + "cases.json"),
                             loadJson(goldenDir() + "expected.json")};
  return files;
}

// One test per case, named after it, so a failure names the case and the count is visible.
std::vector<std::string> goldenCaseNames() {
  std::vector<std::string> names;
  try {
    if (!goldens().cases.IsArray()) return names;
    for (const auto& testCase : goldens().cases.GetArray()) {
      names.push_back(stringMember(testCase, "name"));
    }
  } catch (const std::exception&) {
    // Reported by TemplateGoldenFiles.AreReadableAndComplete.
  }
  return names;
}

TEST(TemplateGoldenFiles, AreReadableAndComplete) {
  const auto names = goldenCaseNames();
  ASSERT_GT(names.size(), 0u) << "no cases in " << goldenDir();
  for (const auto& name : names) {
    EXPECT_NE(findMember(goldens().expected, name), nullptr)
        << "no Go result for " << name << "; run gen.go";
  }
}

class TemplateGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TemplateGolden, MatchesGoTextTemplate) {
  const std::string& name = GetParam();
  const rapidjson::Value* testCase = nullptr;
  for (const auto& candidate : goldens().cases.GetArray()) {
    if (stringMember(candidate, "name") == name) testCase = &candidate;
  }
  ASSERT_NE(testCase, nullptr);
  const rapidjson::Value* goResult = findMember(goldens().expected, name);
  ASSERT_NE(goResult, nullptr) << "no Go result; run gen.go";
  const rapidjson::Value null;
  const rapidjson::Value* data = findMember(*testCase, "data");
  const rapidjson::Value& input = data != nullptr ? *data : null;
  const TemplateDelims delims{stringMember(*testCase, "leftDelim"),
                              stringMember(*testCase, "rightDelim")};
  // Go's options map onto ours: missingkey=error is kError, missingkey=zero on a JSON map
  // prints like the default, and html/template printed "" for a missing key (kEmpty).
  TemplateOptions options;
  options.delims = delims;
  const std::string missingKey = stringMember(*testCase, "missingkey");
  if (missingKey == "error") options.missingKey = MissingKey::kError;
  const rapidjson::Value* html = findMember(*testCase, "html");
  if (html != nullptr && html->IsTrue()) options.missingKey = MissingKey::kEmpty;
  const std::string text = stringMember(*testCase, "template");
  const rapidjson::Value* unsupported = findMember(*testCase, "unsupported");

  if (unsupported != nullptr && unsupported->IsTrue()) {
    // Go renders these; we refuse them plainly instead of guessing.
    try {
      renderTemplate(text, input, options);
      ADD_FAILURE() << "expected an unsupported-construct error";
    } catch (const TemplateError& e) {
      EXPECT_NE(std::string(e.what()).find("unsupported"), std::string::npos) << e.what();
    }
    return;
  }
  if (const rapidjson::Value* output = findMember(*goResult, "output")) {
    try {
      EXPECT_EQ(renderTemplate(text, input, options), output->GetString());
    } catch (const TemplateError& e) {
      ADD_FAILURE() << "unexpected error: " << e.what();
    }
    return;
  }
  const std::string goMessage = stringMember(*goResult, "error");
  const ParsedError goError = parseError(goMessage, true);
  ASSERT_GT(goError.line, 0) << "unrecognised Go error: " << goMessage;
  try {
    const std::string output = renderTemplate(text, input, options);
    ADD_FAILURE() << "Go fails with \"" << goMessage << "\" but we rendered \"" << output << "\"";
  } catch (const TemplateError& e) {
    const ParsedError ours = parseError(e.what(), false);
    ASSERT_GT(ours.line, 0) << "our message lacks line:col: " << e.what();
    EXPECT_EQ(ours.line, goError.line) << e.what();
    if (goError.column >= 0) {
      EXPECT_EQ(ours.column, goError.column) << e.what();
    }
    EXPECT_EQ(ours.reason, goError.reason) << "Go: " << goMessage << "\nus: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(GoCases, TemplateGolden, ::testing::ValuesIn(goldenCaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

std::string render(std::string_view text, std::string_view dataJson = "{}",
                   const TemplateDelims& delims = {}) {
  const auto data = parseJson(dataJson);
  return renderTemplate(text, data, delims);
}

// The message of the TemplateError `text` raises, or "" when it renders.
std::string errorOf(std::string_view text, std::string_view dataJson = "{}") {
  try {
    render(text, dataJson);
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

TEST(Template, WhatWeDoNotDoIsRefusedWithItsPosition) {
  const std::pair<std::string, std::string> cases[] = {
      {"x\n  {{ define \"x\" }}{{ end }}",
       "template: 2:5: unsupported template definition \"define\""},
      {"{{ template \"x\" }}", "template: 1:3: unsupported control action \"template\""},
      {"{{ block \"x\" . }}{{ end }}", "template: 1:3: unsupported control action \"block\""},
      {"{{ slice .s 1 }}",
       "template: 1:3: executing at <slice .s 1>: unsupported function \"slice\""},
      {"{{ call .s }}", "template: 1:3: executing at <call .s>: unsupported function \"call\""},
      {"{{ 1+2i }}", "template: 1:3: executing at <1+2i>: unsupported complex constant \"1+2i\""},
      {"{{ 0x1p-2 }}", "template: 1:3: executing at <0x1p-2>: unsupported hexadecimal float"},
      {"{{ printf \"%#v\" .s }}",
       "template: 1:3: executing at <printf \"%#v\" .s>: unsupported printf"},
      {"{{ printf \"%*d\" 3 .s }}",
       "template: 1:3: executing at <printf \"%*d\" 3 .s>: unsupported printf width *"},
      {"{{ printf \"%[1]d\" 3 }}",
       "template: 1:3: executing at <printf \"%[1]d\" 3>: unsupported printf argument index"},
  };
  for (const auto& [text, prefix] : cases) {
    const std::string message = errorOf(text, R"({"s": "abc"})");
    EXPECT_EQ(message.substr(0, prefix.size()), prefix) << text << " -> " << message;
  }
}

TEST(Template, UndefinedFunctionAndNilReadLikeGo) {
  EXPECT_EQ(errorOf("{{ foo }}"), "template: 1:3: function \"foo\" not defined");
  EXPECT_EQ(errorOf("{{ nil }}"), "template: 1:3: executing at <nil>: nil is not a command");
}

std::string deeplyNested(int depth, const std::string& open, const std::string& middle,
                         const std::string& close) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += open;
  text += middle;
  for (int i = 0; i < depth; ++i) text += close;
  return text;
}

TEST(TemplateLimits, NestingDeeperThanTheLimitIsRefused) {
  EXPECT_EQ(render(deeplyNested(100, "{{ if true }}", "deep", "{{ end }}")), "deep");
  EXPECT_NE(errorOf(deeplyNested(101, "{{ if true }}", "deep", "{{ end }}"))
                .find("if, range, with and parentheses nest deeper than 100 levels"),
            std::string::npos);
  EXPECT_EQ(render("{{ " + deeplyNested(100, "(", "1", ")") + " }}"), "1");
  EXPECT_NE(errorOf("{{ " + deeplyNested(101, "(", "1", ")") + " }}").find("nest deeper than 100"),
            std::string::npos);
  // A very deep input fails cleanly instead of exhausting the stack.
  EXPECT_NE(errorOf(deeplyNested(100000, "{{ with . }}", "", "{{ end }}")).find("nest deeper"),
            std::string::npos);
}

TEST(TemplateLimits, RangeOutputIsBoundedByTheOutputLimit) {
  TemplateOptions options;
  options.maxOutputBytes = 100;
  std::string items = "[";
  for (int i = 0; i < 1000; ++i) items += std::string(i ? "," : "") + "\"item\"";
  const auto data = parseJson(R"({"a":)" + items + "]}");
  try {
    renderTemplate("{{ range .a }}{{ . }}{{ end }}", data, options);
    FAIL() << "expected an error";
  } catch (const TemplateError& e) {
    EXPECT_STREQ(e.what(), "template: rendered text exceeds the limit of 100 bytes");
  }
  // Strings doubled in a variable never reach the output, and are bounded all the same.
  options.maxOutputBytes = 1 << 20;
  EXPECT_THROW(renderTemplate(R"({{ $x := "ab" }}{{ range .a }}{{ $x = printf "%s%s" $x $x }})"
                              "{{ end }}",
                              data, options),
               TemplateError);
}

TEST(TemplateLimits, RangeIterationsAreBounded) {
  std::string zeros = "[";
  for (int i = 0; i < 1001; ++i) zeros += std::string(i ? "," : "") + "0";
  const auto data = parseJson(R"({"a":)" + zeros + "]}");
  EXPECT_EQ(renderTemplate("{{ range .a }}{{ end }}{{ len .a }}", data), "1001");
  try {
    renderTemplate("{{ range .a }}{{ range $.a }}{{ end }}{{ end }}", data);
    FAIL() << "expected an error";
  } catch (const TemplateError& e) {
    EXPECT_NE(std::string(e.what()).find("range: more than 1000000 iterations"), std::string::npos)
        << e.what();
  }
}

TEST(Template, ExecErrorReadsLikeGo) {
  EXPECT_EQ(errorOf("ok {{ .a.b }}", R"({"a": "str"})"),
            "template: 1:8: executing at <.a.b>: can't evaluate field b in type interface {}");
}

TEST(Template, PasswordsComeThroughUntouched) {
  // The html/template engine used before escaped these and broke credentials.
  EXPECT_EQ(render("{{ .pw }}", R"({"pw": "a+b&c<d>e\"f'g"})"), "a+b&c<d>e\"f'g");
}

TEST(Template, EmptyDelimitersMeanTheDefaults) {
  EXPECT_EQ(render("{{ .a }}", R"({"a": 1})", TemplateDelims{"", ""}), "1");
}

TEST(Template, CustomDelimitersLeaveDefaultBracesAlone) {
  EXPECT_EQ(render("{{ .a }} [[ .a ]]", R"({"a": "x"})", TemplateDelims{"[[", "]]"}), "{{ .a }} x");
}

TEST(Template, OddInputNeverCrashes) {
  // Invalid UTF-8 and control bytes inside and outside actions, deep chains, lone delimiters.
  const std::string inputs[] = {"\xff{{ .a }}", "{{ \xff }}",
                                "{{ .a\x01 }}", "{{",
                                "}}",           "{{-",
                                "{{- -}}",      "{{ ) }}",
                                "{{ ( }}",      "{{ \"x }}",
                                "{{ `x }}",     "{{ 'x }}",
                                "{{ : }}",      std::string("{{ .a\0 }}", 9)};
  for (const auto& text : inputs) {
    try {
      render(text);
    } catch (const TemplateError&) {
    }
  }
  std::string chain = "{{ ";
  for (int i = 0; i < 10000; ++i) chain += ".a";
  EXPECT_EQ(render(chain + " }}"), "<no value>");
}

// ---- Callable members (TemplateOptions::callables): `.Secret "key"` as Go calls a method ----

std::string renderCalling(std::string_view text, std::string_view dataJson) {
  rapidjson::Document data = parseJson(std::string(dataJson));
  return renderTemplate(text, data, TemplateOptions{TemplateDelims{"@<", ">@"}, {"Secret"}});
}

std::string callErrorOf(std::string_view text, std::string_view dataJson) {
  try {
    renderCalling(text, dataJson);
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

const char* kSecretData = R"({"Name": "exp", "Secret": {"token": "t0k", "quote": "a\"b"}})";

TEST(TemplateCallables, CallWithAStringLooksUpTheKey) {
  EXPECT_EQ(renderCalling(R"(@< .Name >@:@< .Secret "token" >@)", kSecretData), "exp:t0k");
  EXPECT_EQ(renderCalling("@< .Secret `token` >@", kSecretData), "t0k");
  EXPECT_EQ(renderCalling(R"(@< .Secret "\x74oken" >@|@< .Secret "quote" >@)", kSecretData),
            "t0k|a\"b");
}

TEST(TemplateCallables, MisuseIsAnErrorNamingThePlace) {
  EXPECT_EQ(callErrorOf(R"(ab @< .Secret "nope" >@)", kSecretData),
            "template: 1:6: executing at <.Secret>: Secret has no key \"nope\"");
  EXPECT_EQ(callErrorOf("@< .Secret >@", kSecretData),
            "template: 1:3: executing at <.Secret>: wrong number of args for Secret: want 1 got 0");
  EXPECT_EQ(callErrorOf(R"(@< .Secret "a" "b" >@)", kSecretData),
            "template: 1:3: executing at <.Secret>: wrong number of args for Secret: want 1 got 2");
  EXPECT_EQ(callErrorOf("@< .Secret 3 >@", kSecretData),
            "template: 1:11: executing at <3>: expected string; found 3");
  EXPECT_EQ(callErrorOf("@< .Secret .Name.x >@", kSecretData),
            "template: 1:16: executing at <.Name.x>: can't evaluate field x in type interface {}");
  EXPECT_EQ(
      callErrorOf("@< .Secret.token >@", kSecretData)
          .rfind("template: 1:10: executing at <.Secret.token>: can't evaluate field token", 0),
      0u);
  EXPECT_EQ(callErrorOf(R"(@< .Secret "token" >@)", R"({"Name": "exp"})"),
            "template: 1:3: executing at <.Secret>: Secret is not available");
}

TEST(TemplateCallables, WorkThroughPipelinesVariablesAndControlStructures) {
  const char* data =
      R"({"Name": "exp", "list": [1, 2], "Secret": {"token": "t0k", "user": "alice"}})";
  EXPECT_EQ(renderCalling(R"(@< "token" | .Secret >@)", data), "t0k");
  EXPECT_EQ(renderCalling(R"(@< $k := "user" >@@< .Secret $k >@)", data), "alice");
  EXPECT_EQ(renderCalling(R"(@< printf "Bearer %s" (.Secret "token") >@)", data), "Bearer t0k");
  EXPECT_EQ(renderCalling(R"(@< range .list >@@< $.Secret "user" >@;@< end >@)", data),
            "alice;alice;");
  EXPECT_EQ(renderCalling(R"(@< if eq (.Secret "user") "alice" >@yes@< end >@)", data), "yes");
  EXPECT_EQ(renderCalling(R"(@< with $ >@@< .Secret "token" >@@< end >@)", data), "t0k");
  EXPECT_THROW(renderCalling(R"(@< if .Secret "nope" >@x@< end >@)", data), TemplateKeyNotFound);
}

TEST(TemplateCallables, DotLeavesCallablesOut) {
  EXPECT_EQ(renderCalling("@< . >@", kSecretData), "map[Name:exp]");
  // Nor can the functions and range reach them as data.
  EXPECT_EQ(renderCalling(R"(@< printf "%v" $ >@ @< len . >@ [@< index . "Secret" >@])"
                          R"(@< range $k, $v := . >@ @< $k >@@< end >@)",
                          kSecretData),
            "map[Name:exp] 1 [<no value>] Name");
}

TEST(TemplateCallables, ParseErrorsStillComeFirstAndPlainUseIsUnchanged) {
  // The messed-up template of the reference runexperiment.yaml.
  EXPECT_EQ(callErrorOf("@< this is a messed up @< template >@", kSecretData),
            "template: 1:3: function \"this\" not defined");
  // Without callables, Secret is a map like any other, as in Go.
  EXPECT_EQ(errorOf(R"({{ .Secret "token" }})", kSecretData),
            "template: 1:3: executing at <.Secret>: Secret is not a method but has arguments");
  EXPECT_EQ(render(R"({{ .Secret.token }})", kSecretData), "t0k");
}

// ---- Options the original's tasks need: missing keys, Go field names, output limit ----

std::string renderWith(std::string_view text, std::string_view dataJson,
                       const TemplateOptions& options) {
  rapidjson::Document data = parseJson(std::string(dataJson));
  return renderTemplate(text, data, options);
}

TEST(TemplateOptionsTest, MissingKeyRendersAsChosenAndIsReported) {
  std::vector<std::string> missing;
  TemplateOptions options;
  options.missingKey = MissingKey::kEmpty;
  options.missingKeys = &missing;
  EXPECT_EQ(
      renderWith("[{{ .missing }}|{{ .a.nope.deeper }}|{{ .a.b }}]", R"({"a":{"b":1}})", options),
      "[||1]");
  EXPECT_EQ(missing, (std::vector<std::string>{".missing", ".a.nope.deeper"}));
  options.missingKey = MissingKey::kNoValue;
  EXPECT_EQ(renderWith("[{{ .missing }}]", "{}", options), "[<no value>]");
}

TEST(TemplateOptionsTest, MissingKeyErrorNamesTheKey) {
  TemplateOptions options;
  options.missingKey = MissingKey::kError;
  try {
    renderWith("ab {{ .a.nope }}", R"({"a":{}})", options);
    FAIL() << "expected an error";
  } catch (const TemplateError& e) {
    EXPECT_STREQ(e.what(),
                 "template: 1:8: executing at <.a.nope>: map has no entry for key \"nope\"");
  }
}

TEST(TemplateOptionsTest, MissingKeyModesHoldInsideControlStructures) {
  std::vector<std::string> missing;
  TemplateOptions options;
  options.missingKey = MissingKey::kEmpty;
  options.missingKeys = &missing;
  const char* data = R"({"items":[{"name":"a"},{"port":2}],"a":{"k":1}})";
  EXPECT_EQ(renderWith("{{ if .opt }}x{{ end }}{{ range .items }}[{{ .name }}]{{ end }}"
                       "{{ with .a }}<{{ .nope }}>{{ end }}{{ .a.x | printf \"%v\" }}",
                       data, options),
            "[a][]<><nil>");
  // Only missing keys that were printed are reported, not those tested by if or piped on.
  EXPECT_EQ(missing, (std::vector<std::string>{".name", ".nope"}));
  options.missingKey = MissingKey::kError;
  try {
    renderWith("{{ range .items }}{{ .name }}{{ end }}", data, options);
    FAIL() << "expected an error";
  } catch (const TemplateError& e) {
    EXPECT_STREQ(e.what(),
                 "template: 1:21: executing at <.name>: map has no entry for key \"name\"");
  }
}

TEST(TemplateOptionsTest, GoFieldNamesWorkThroughEveryConstruct) {
  TemplateOptions options;
  options.goFieldNames = true;
  const char* data = R"({"spec":{"versionInfo":{"baseline":{"name":"v1"},
                         "candidates":[{"name":"v2"},{"name":"v3"}]}}})";
  EXPECT_EQ(renderWith("{{ range $i, $c := .Spec.VersionInfo.Candidates }}{{ $i }}{{ $c.Name }} "
                       "{{ end }}{{ with .Spec.VersionInfo.Baseline }}{{ .Name }}{{ end }} "
                       "{{ len .Spec.VersionInfo.Candidates }} "
                       "{{ if eq .Spec.VersionInfo.Baseline.Name \"v1\" }}base{{ end }}",
                       data, options),
            "0v2 1v3 v1 2 base");
}

TEST(TemplateOptionsTest, GoFieldNamesFindJsonKeysButExactKeysWin) {
  TemplateOptions options;
  options.goFieldNames = true;
  const char* data = R"({"spec":{"versionInfo":{"baseline":{"name":"v1"}}},"Spec":null,
                         "status":{"data":{"Mean":"exact"}}})";
  EXPECT_EQ(renderWith("{{ .Status.Data.Mean }}", data, options), "exact");
  EXPECT_EQ(renderWith("{{ .status.data.Mean }}", data, options), "exact");
  EXPECT_EQ(renderWith("{{ .Status.Data.mean }}", data, options), "<no value>");
  options.goFieldNames = false;
  EXPECT_EQ(renderWith("{{ .Status.Data.Mean }}", data, options), "<no value>");
}

TEST(TemplateOptionsTest, MissingCallableKeyIsNotFound) {
  TemplateOptions options{TemplateDelims{"@<", ">@"}, {"Secret"}};
  EXPECT_THROW(renderWith(R"(@< .Secret "nope" >@)", kSecretData, options), TemplateKeyNotFound);
}

TEST(TemplateOptionsTest, OutputLongerThanTheLimitIsRefused) {
  TemplateOptions options;
  options.maxOutputBytes = 10;
  EXPECT_EQ(renderWith("{{ .a }}{{ .a }}", R"({"a":"12345"})", options), "1234512345");
  try {
    renderWith("{{ .a }}{{ .a }}x", R"({"a":"12345"})", options);
    FAIL() << "expected an error";
  } catch (const TemplateError& e) {
    EXPECT_STREQ(e.what(), "template: rendered text exceeds the limit of 10 bytes");
  }
}

}  // namespace
}  // namespace iter8
