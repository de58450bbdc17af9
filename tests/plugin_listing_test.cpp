// `handler plugins` and `plugins describe` on a folder holding a rejected plugin: each rejected
// file is named once, and no suggestion repeats the very name typed. A real handler process.
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using test::handlerPath;
using test::runProcess;
using test::testPluginDir;
using ::testing::HasSubstr;
using ::testing::Not;

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(PluginListing, ARejectedFileIsListedOnce) {
  const std::string dir = testPluginDir("bad_wrong_major");
  const std::string file = dir + "/bad_wrong_major.so";
  auto r = runProcess({handlerPath(), "plugins", "--plugins-dir", dir});
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("error: " + file + " was built for plugin ABI 99."));
  EXPECT_EQ(count(r.out + r.err, file), 1u) << "stdout:\n" << r.out << "stderr:\n" << r.err;
}

TEST(PluginListing, DescribingARejectedPluginSaysWhyWithoutSuggestingItself) {
  const std::string dir = testPluginDir("bad_wrong_major");
  auto r =
      runProcess({handlerPath(), "plugins", "describe", "bad_wrong_major", "--plugins-dir", dir});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("library 'bad_wrong_major' is not usable: "));
  EXPECT_THAT(r.err, Not(HasSubstr("did you mean")));
}

TEST(PluginListing, AMistypedLibraryIsSuggestedOnce) {
  const std::string dir = testPluginDir("bad_wrong_major");
  auto r =
      runProcess({handlerPath(), "plugins", "describe", "bad_wrong_majr", "--plugins-dir", dir});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(count(r.err, "did you mean `bad_wrong_major`?"), 1u) << r.err;
}

}  // namespace
}  // namespace iter8
