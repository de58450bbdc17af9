// The fake Kubernetes API server (tests/support/fake_apiserver.h) as a process of its own, for
// tests that run the handler where an in-process server cannot be reached: in a container
// (scripts/test-image.sh, "as the controller runs it"). Built only with the tests.
//
//   fake-apiserver --dir DIR [--rbac MANIFEST]... [--service-account NS/NAME]
//                  [--experiment NS/NAME=FILE]... [--secret NS/NAME/KEY=VALUE]...
//                  [--control-plane-token FILE]
//
// Writes DIR/ca.crt and DIR/token (a service-account folder to mount), then DIR/port once it
// listens. `--control-plane-token FILE`: writes a second token to FILE (keep it out of DIR, which
// pods mount), the Job controller's and the kubelet's (tests/job_controller.py): RBAC does not
// apply to it and permissions.txt does not list its requests. Experiments are YAML or JSON files;
// `--rbac` makes it authorize as RBAC would for the service account (default
// iter8-system/iter8-handlers). On SIGTERM or SIGINT it writes DIR/permissions.txt
// (usedPermissions), DIR/refusals.txt and DIR/warnings.txt, one per line, and exits 0. Bad
// arguments: exit 2 with a one-line message.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/fake_apiserver.h"
#include "tests/support/rbac_policy.h"
#include "tests/support/structural_pruning.h"
#include "tests/support/test_pki.h"
#include "tests/support/yaml_documents.h"

namespace {

using iter8::testing::FakeApiServer;

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "fake-apiserver: " << problem << "\n";
  std::exit(2);
}

// "A/B" -> {A, B}; "A/B/C" -> {A, B/C}.
std::pair<std::string, std::string> split(const std::string& text, char at, const char* what) {
  auto cut = text.find(at);
  if (cut == std::string::npos || cut == 0 || cut + 1 == text.size()) {
    usage(std::string(what) + " '" + text + "' lacks '" + at + "'");
  }
  return {text.substr(0, cut), text.substr(cut + 1)};
}

void writeLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path + ".tmp");
  for (const auto& line : lines) out << line << "\n";
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

std::string randomToken() {
  std::random_device seed;
  std::string token = "fake-sa-token-";
  for (int i = 0; i < 16; ++i) token += "0123456789abcdef"[seed() % 16];
  return token;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  std::vector<std::string> rbac;
  std::string account = "iter8-system/iter8-handlers";
  std::vector<std::string> experiments, secrets;
  std::string controlPlaneTokenFile;
  for (int i = 1; i < argc; ++i) {
    std::string option = argv[i];
    if (i + 1 >= argc) usage(option + " needs a value");
    std::string value = argv[++i];
    if (option == "--dir") {
      dir = value;
    } else if (option == "--rbac") {
      rbac.push_back(value);
    } else if (option == "--service-account") {
      account = value;
    } else if (option == "--experiment") {
      experiments.push_back(value);
    } else if (option == "--secret") {
      secrets.push_back(value);
    } else if (option == "--control-plane-token") {
      controlPlaneTokenFile = value;
    } else {
      usage("unknown option " + option);
    }
  }
  if (dir.empty()) usage("--dir DIR is required");

  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  try {
    auto ca = iter8::testing::makeCa("fake-apiserver-ca");
    const std::string token = randomToken();
    FakeApiServer server(ca, iter8::testing::issueServerCert(ca, "kubernetes"), token);
    std::ofstream(dir + "/ca.crt") << ca.certPem;
    std::ofstream(dir + "/token") << token;
    if (!controlPlaneTokenFile.empty()) {
      const std::string controlPlaneToken = randomToken();
      server.setControlPlaneToken(controlPlaneToken);
      std::ofstream(controlPlaneTokenFile) << controlPlaneToken;
    }
    if (!rbac.empty()) {
      std::vector<std::string> texts;
      for (const auto& path : rbac) texts.push_back(iter8::testing::readTextFile(path));
      auto [ns, name] = split(account, '/', "--service-account");
      server.enforceRbac(iter8::testing::RbacPolicy::forServiceAccount(texts, ns, name));
    }
    for (const auto& spec : experiments) {
      auto [ref, file] = split(spec, '=', "--experiment");
      auto [ns, name] = split(ref, '/', "--experiment");
      auto object = iter8::parseYaml(iter8::testing::readTextFile(file));
      server.putExperiment(ns, name, iter8::toJson(object));
    }
    std::map<std::string, std::map<std::string, std::string>> secretValues;
    for (const auto& spec : secrets) {
      auto [ref, value] = split(spec, '=', "--secret");
      auto [ns, rest] = split(ref, '/', "--secret");
      auto [name, key] = split(rest, '/', "--secret");
      secretValues[ns + "/" + name][key] = value;
    }
    for (const auto& [ref, values] : secretValues) {
      auto [ns, name] = split(ref, '/', "--secret");
      server.putSecret(ns, name, values);
    }
    writeLines(dir + "/port", {std::to_string(server.port())});
    std::cerr << "fake-apiserver: listening on " << server.url() << "; "
              << (server.prunes()
                      ? "pruning by " + iter8::testing::experimentCrdPath()
                      : "not pruning: " + iter8::testing::experimentCrdPath() + " is absent")
              << "\n";

    int signal = 0;
    sigwait(&stop, &signal);
    writeLines(dir + "/permissions.txt", server.usedPermissions());
    writeLines(dir + "/refusals.txt", server.refusals());
    writeLines(dir + "/warnings.txt", server.warnings());
    writeLines(dir + "/requests.txt", server.requestLog());
    return 0;
  } catch (const std::exception& e) {
    usage(e.what());
  }
}
