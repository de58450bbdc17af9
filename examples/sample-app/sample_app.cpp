// sample-app: a tiny HTTP service for trying experiments on a laptop. Its latency distribution
// and error rate are flags, so two "versions" of it differ in known ways and the report can be
// checked against what was asked for.
//
//   sample-app --port 8081 --name v1 --latency-ms 20 --spread 0.3 --error-rate 0
//   sample-app --port 8082 --name v2 --latency-ms 15 --spread 0.5 --error-rate 0.02
//
// GET / sleeps a log-normal time (median --latency-ms, shape --spread) and answers 200 with the
// version name, or --error-code (default 500) with probability --error-rate. GET /healthz
// answers at once. Stops on SIGTERM/SIGINT.
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace {

struct Options {
  int port = 8080;
  std::string name = "sample";
  double latencyMs = 10;
  double spread = 0.25;
  double errorRate = 0;
  int errorCode = 500;
};

const char* kUsage =
    "Usage: sample-app [--port N] [--name NAME] [--latency-ms MS] [--spread S]\n"
    "                  [--error-rate R] [--error-code CODE]\n"
    "  --port N          listen on 127.0.0.1:N (default 8080)\n"
    "  --name NAME       the version name in each response (default sample)\n"
    "  --latency-ms MS   median latency (default 10)\n"
    "  --spread S        log-normal shape: 0 = always MS, 0.5 = p99 about 3.2 x MS (default 0.25)\n"
    "  --error-rate R    share of requests answered with the error code, 0..1 (default 0)\n"
    "  --error-code CODE status of those answers (default 500)\n";

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "sample-app: " << problem << "\n" << kUsage;
  std::exit(2);
}

double numberArg(const std::string& flag, const char* text, double lo, double hi) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || v < lo || v > hi) {
    usage(flag + " '" + text + "' is not a number in [" + std::to_string(lo) + ", " +
          std::to_string(hi) + "]");
  }
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) usage(flag + " needs a value");
    const char* value = argv[++i];
    if (flag == "--port")
      o.port = static_cast<int>(numberArg(flag, value, 1, 65535));
    else if (flag == "--name")
      o.name = value;
    else if (flag == "--latency-ms")
      o.latencyMs = numberArg(flag, value, 0, 60000);
    else if (flag == "--spread")
      o.spread = numberArg(flag, value, 0, 3);
    else if (flag == "--error-rate")
      o.errorRate = numberArg(flag, value, 0, 1);
    else if (flag == "--error-code")
      o.errorCode = static_cast<int>(numberArg(flag, value, 400, 599));
    else
      usage("unknown option " + flag);
  }
  return o;
}

httplib::Server* server = nullptr;

void stop(int) {
  if (server != nullptr) server->stop();
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  httplib::Server s;
  // Each answer is written in two pieces (head, body): with Nagle's algorithm on, the second
  // waits for the client's delayed ACK, about 40 ms on a kept-alive connection, and the demo's
  // figures would show the stall, not the flags.
  s.set_tcp_nodelay(true);
  server = &s;
  std::mutex mutex;
  std::mt19937_64 random(std::random_device{}());
  std::lognormal_distribution<double> latency(std::log(std::max(o.latencyMs, 1e-6)), o.spread);
  std::uniform_real_distribution<double> coin(0, 1);

  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  s.Get("/", [&](const httplib::Request&, httplib::Response& res) {
    double ms;
    bool fail;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ms = o.latencyMs <= 0 ? 0 : latency(random);
      fail = coin(random) < o.errorRate;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(ms * 1000)));
    res.status = fail ? o.errorCode : 200;
    res.set_content(o.name + (fail ? " failed\n" : "\n"), "text/plain");
  });
  std::signal(SIGTERM, stop);
  std::signal(SIGINT, stop);
  if (!s.bind_to_port("127.0.0.1", o.port)) {
    std::cerr << "sample-app: cannot listen on 127.0.0.1:" << o.port << "\n";
    return 1;
  }
  std::cerr << "sample-app " << o.name << ": http://127.0.0.1:" << o.port << "/ (median "
            << o.latencyMs << " ms, spread " << o.spread << ", errors " << o.errorRate * 100
            << " %)\n";
  s.listen_after_bind();
  return 0;
}
