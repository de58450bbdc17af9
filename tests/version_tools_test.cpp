// `handler version --tools`: the kubectl (and git, curl, bash) that PATH finds, in both forms
// kubectl prints its version, with the API server versions it supports; a missing tool says so.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

namespace iter8 {
namespace {

using ::testing::HasSubstr;

// A PATH of one folder holding `kubectl` (a script printing `output`) and sh, for the probe.
class VersionTools : public ::testing::Test {
 protected:
  test::ProcessResult run(const std::string& kubectlOutput) {
    if (!kubectlOutput.empty()) {
      // printf is a shell builtin: nothing else is on this PATH.
      std::string script =
          dir_.write("kubectl", "#!/bin/sh\nprintf '%s\\n' '" + kubectlOutput + "'\n");
      ::chmod(script.c_str(), 0755);
    }
    test::ProcessOptions options;
    options.env = {{"PATH", dir_.path()}};
    return test::runProcess({test::handlerPath(), "version", "--tools"}, options);
  }
  test::TempDir dir_;
};

TEST_F(VersionTools, DebiansKubectlIsNamedWithTheServersItSupports) {
  // kubectl 1.20 prints its version as a Go struct.
  auto result = run(R"(Client Version: version.Info{Major:"1", Minor:"20", )"
                    R"(GitVersion:"v1.20.2", GitCommit:"faecb19", GitTreeState:"archive"})");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("kubectl v1.20.2 (" + dir_.file("kubectl") + ")\n"));
  EXPECT_THAT(result.out, HasSubstr("  supports API servers v1.19 to v1.21"));
  // Nothing else is on this PATH.
  EXPECT_THAT(result.out, HasSubstr("git: not found on PATH"));
}

TEST_F(VersionTools, AnUpstreamKubectlsShortFormIsReadToo) {
  auto result = run("Client Version: v1.30.2\nKustomize Version: v5.0.4-0.20230601165947");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("kubectl v1.30.2 ("));
  EXPECT_THAT(result.out, HasSubstr("supports API servers v1.29 to v1.31"));
}

TEST_F(VersionTools, NoKubectlIsSaidPlainly) {
  auto result = run("");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("handler "));
  EXPECT_THAT(result.out, HasSubstr("kubectl: not found on PATH"));
}

}  // namespace
}  // namespace iter8
