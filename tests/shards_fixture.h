// What the Shards.* tests share (shards_test.cpp, shards_stuck_test.cpp): a real handler
// process whose collect task runs N real `handler collect-shard` processes against a loopback
// server, the shards' folder under the test's own TMPDIR so that what they leave is seen.
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/experiment_text.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_http_server.h"

namespace iter8::shards_test {

using test::ProcessOptions;
using test::ProcessResult;
using test::readFile;
using test::TempDir;

inline std::string experiment(const std::string& with) {
  return test::collectExperiment("shards-1", with);
}

// The pids of this test's shard processes: their command line names the test's own folder.
inline std::vector<std::pair<pid_t, std::string>> shardProcesses(const std::string& folder) {
  std::vector<std::pair<pid_t, std::string>> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find("collect-shard") != std::string::npos &&
        cmdline.find(folder) != std::string::npos) {
      found.emplace_back(pid, cmdline);
    }
  }
  closedir(proc);
  return found;
}

class Shards : public ::testing::Test {
 protected:
  // `extra`: more options of `handler run` (--isolation, --task-timeout).
  ProcessResult run(const std::string& with, ProcessOptions options = {},
                    const std::vector<std::string>& extra = {}) {
    path_ = dir_.write("experiment.yaml", experiment(with));
    std::filesystem::remove(dir_.file("termination-log"));  // it appends
    // The shards' folder goes under TMPDIR: here, so the test finds them and what they leave.
    options.env["TMPDIR"] = dir_.path();
    options.unsetEnv.push_back("SCRATCH_DIR");
    if (options.env.count("ITER8_SHARDS") == 0) options.unsetEnv.push_back("ITER8_SHARDS");
    std::vector<std::string> argv{test::handlerPath(),
                                  "run",
                                  "-a",
                                  "loop",
                                  "-f",
                                  path_,
                                  "--plugins-dir",
                                  test::shippedPluginDir(),
                                  "--termination-log",
                                  dir_.file("termination-log")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return test::runProcess(argv, options);
  }
  rapidjson::Document status() { return parseYaml(readFile(path_)); }
  static const rapidjson::Value& result(const rapidjson::Document& doc, const char* version) {
    return doc["status"]["analysis"]["aggregatedBuiltinHists"]["data"][version];
  }
  // What runs left in TMPDIR: the shards' folders (iter8-shards-*) and the handler's scratch
  // folders (iter8-scratch-*, which hold the shards' folders when SCRATCH_DIR is not set), at
  // any depth.
  std::vector<std::string> leftFolders() const {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path(), ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("iter8-shards-", 0) == 0 || name.rfind("iter8-scratch-", 0) == 0) {
        found.push_back(entry.path().string());
      }
    }
    std::sort(found.begin(), found.end());
    return found;
  }
  int leftovers() const { return static_cast<int>(leftFolders().size()); }
  std::string loadWith(int shards, const std::string& extra = "") const {
    return "          time: 2s\n          qps: 200\n          connections: 8\n"
           "          shards: " +
           std::to_string(shards) + "\n" + extra +
           "          versions:\n"
           "          - {name: v1, url: \"" +
           server_.url("/fast") + "\"}\n          - {name: v2, url: \"" +
           server_.url("/status/503") + "\"}";
  }

  testing::TestHttpServer server_;
  TempDir dir_;
  std::string path_;
};

inline int64_t count(const rapidjson::Value& result) {
  return result["DurationHistogram"]["Count"].GetInt64();
}

}  // namespace iter8::shards_test
