#include "host/cli/tool_versions.h"

#include <regex>
#include <vector>

#include "lib/process/subprocess.h"

namespace iter8 {
namespace {

struct Probe {
  const char* name;
  std::vector<std::string> argv;
};

// The first line `argv` prints on stdout, or nullopt when it cannot be started or fails.
std::optional<std::string> firstLine(const std::vector<std::string>& argv, std::string& all) {
  Subprocess child;
  SubprocessOptions options;
  options.argv = argv;
  options.stdoutTo = kPipeStream;
  options.stderrTo = kNullStream;
  options.outputCap = 64 * 1024;
  if (child.start(options) != 0) return std::nullopt;
  // A tool that hangs (a kubectl looking for a server) must not hang `handler version`.
  if (!child.finish(Subprocess::Clock::now() + std::chrono::seconds(10))) {
    child.kill();
    return std::nullopt;
  }
  if (!WIFEXITED(child.status()) || WEXITSTATUS(child.status()) != 0) return std::nullopt;
  all = child.out().tail;
  return all.substr(0, all.find('\n'));
}

// Where PATH finds `name`, for the line (an image may carry /usr/local/bin/kubectl instead).
std::string pathOf(const std::string& name) {
  std::string unused;
  auto found = firstLine({"/bin/sh", "-c", "command -v \"$0\"", name}, unused);
  return found ? *found : "";
}

}  // namespace

std::string kubectlClientVersion(const std::string& output) {
  static const std::regex version(R"((?:GitVersion:"|Client Version: )(v\d+\.\d+\.\d+[^"\s]*))");
  std::smatch match;
  return std::regex_search(output, match, version) ? match[1].str() : "";
}

std::string toolVersionsText() {
  const std::vector<Probe> probes = {
      {"kubectl", {"kubectl", "version", "--client"}},
      {"git", {"git", "--version"}},
      {"curl", {"curl", "--version"}},
      {"bash", {"bash", "--version"}},
  };
  std::string text;
  for (const Probe& probe : probes) {
    std::string all;
    auto line = firstLine(probe.argv, all);
    if (!line) {
      text += std::string(probe.name) + ": not found on PATH (or it failed)\n";
      continue;
    }
    // The first version-looking word: "git version 2.39.5", "curl 7.88.1 (...)", "GNU bash,
    // version 5.2.15(1)-release".
    std::smatch word;
    std::string version =
        std::regex_search(*line, word, std::regex(R"(\d+\.\d+[^\s,]*)")) ? word.str() : *line;
    if (std::string(probe.name) == "kubectl") version = kubectlClientVersion(all);
    text += std::string(probe.name) + " " + version + " (" + pathOf(probe.name) + ")\n";
    if (std::string(probe.name) == "kubectl" && !version.empty()) {
      // Kubernetes' skew policy: kubectl works with API servers one minor version either side.
      std::smatch m;
      std::regex_search(version, m, std::regex(R"(v(\d+)\.(\d+))"));
      int major = std::stoi(m[1]), minor = std::stoi(m[2]);
      text += "  supports API servers v" + std::to_string(major) + "." + std::to_string(minor - 1) +
              " to v" + std::to_string(major) + "." + std::to_string(minor + 1) +
              " (container/README.md: kubectl version skew)\n";
    }
  }
  return text;
}

}  // namespace iter8
