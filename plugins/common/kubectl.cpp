#include "plugins/common/kubectl.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "plugins/common/process.h"

namespace iter8::common {
namespace {

constexpr std::size_t kLastWordsLimit = 300;

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::string lastLine(const std::string& output) {
  std::string trimmed = trim(output);
  auto newline = trimmed.find_last_of('\n');
  std::string line = trim(newline == std::string::npos ? trimmed : trimmed.substr(newline + 1));
  if (line.size() > kLastWordsLimit) line = line.substr(0, kLastWordsLimit) + "...";
  return line;
}

// The last `limit` bytes of the file at `path` ("" when it cannot be read).
std::string fileTail(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff start =
      size > static_cast<std::streamoff>(limit) ? size - static_cast<std::streamoff>(limit) : 0;
  in.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  tail.resize(static_cast<size_t>(in.gcount()));
  return tail;
}

// A temporary file that is removed when it goes away.
class TempFile {
 public:
  TempFile() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp") + "/iter8-kubectl-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    int fd = ::mkstemp(buffer.data());
    if (fd < 0) {
      throw sdk::TaskFailed("cannot create a file for kubectl's output in " + pattern + ": " +
                            std::strerror(errno));
    }
    ::close(fd);
    path_ = buffer.data();
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

std::string findKubectl(const std::string& task) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  std::stringstream stream(dirs);
  for (std::string dir; std::getline(stream, dir, ':');) {
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/kubectl";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw sdk::TaskFailed("kubectl is not on PATH (" + (dirs.empty() ? "PATH is empty" : dirs) +
                        "); " + task + " runs kubectl: use an image that has it or put it on PATH");
}

KubectlOutcome runKubectlCaptured(const std::string& kubectl, const std::vector<std::string>& args,
                                  const sdk::Host& host) {
  TempFile output;
  std::vector<std::string> argv{kubectl};
  argv.insert(argv.end(), args.begin(), args.end());
  KubectlOutcome outcome;
  try {
    runProcess(argv, commandLine(args), host, output.path());
    outcome.ok = true;
  } catch (const sdk::TaskFailed& e) {
    outcome.ok = false;  // exited non-zero (or was killed): what it said is the reason
    outcome.lastWords = e.what();
  }
  outcome.output = fileTail(output.path(), kKeptKubectlOutput);
  if (std::string said = lastLine(outcome.output); !said.empty()) outcome.lastWords = said;
  return outcome;
}

std::string commandLine(const std::vector<std::string>& args) {
  std::string line = "kubectl";
  for (const auto& arg : args) line += " " + arg;
  return line;
}

}  // namespace iter8::common
