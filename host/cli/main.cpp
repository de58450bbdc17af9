// handler: runs the tasks of one action of an Iter8 experiment. See README.md.
#include <csignal>
#include <iostream>
#include <new>

#include "host/cli/command_table.h"
#include "host/log.h"
#include "host/process/cancellation.h"
#include "host/runner/exit_code.h"
#include "lib/text.h"

namespace {
constexpr size_t kMaxUsageLineBytes = 2048;
}

int main(int argc, char** argv) {
  using namespace iter8;
  // A closed stdout or stderr (`handler run ... | head -1`, a log collector gone) must not kill
  // the handler before it writes the termination log and the status: writes fail with EPIPE
  // instead, and output that cannot go anywhere is dropped. The commands tasks start get
  // SIGPIPE back at its default (lib/process).
  std::signal(SIGPIPE, SIG_IGN);
  try {
    Command command = parseCommandLine(argc, argv);
    spdlog::level::level_enum level = spdlog::level::info;
    // As the original (logrus) did, an unknown level is not fatal: the level stays info.
    const bool knownLevel = parseLogLevel(command.common.logLevel, level);
    setLogLevel(knownLevel ? level : spdlog::level::info);
    if (!knownLevel) {
      logger().warn("log level {} is not one of trace, debug, info, warning, error; using info",
                    quoteValue(command.common.logLevel));
    }
    installCancellationHandlers(kExitCancelled);
    if (command.spec == nullptr) {  // --help, or no command
      std::cout << command.helpText;
      return kExitOk;
    }
    return command.spec->run(command);
  } catch (const UsageError& e) {
    // Usage messages quote what was typed (quoteValue); Boost's own messages quote it too, raw.
    // One bounded line whatever they hold.
    std::cerr << "error: " << escapeControl(shortenName(e.what(), kMaxUsageLineBytes)) << "\n";
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    // Input limits keep a hostile experiment from getting here; a machine short of memory can.
    std::cerr << "error: out of memory: the handler could not allocate what this experiment "
                 "needs (check the container's memory limit and docs/robustness.md)\n";
    return kExitTaskFailed;
  } catch (const std::exception& e) {
    // A bug, not an input problem: still one line, never a crash.
    std::cerr << "error: internal: "
              << escapeControl(shortenName(redact(e.what()), kMaxUsageLineBytes)) << "\n";
    return kExitTaskFailed;
  }
}
