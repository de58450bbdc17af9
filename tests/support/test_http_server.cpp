#include "tests/support/test_http_server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace iter8::testing {
namespace {

int intParam(const httplib::Request& request, const char* name, int fallback) {
  if (!request.has_param(name)) return fallback;
  return std::stoi(request.get_param_value(name));
}

}  // namespace

struct TestHttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> sometimesSlowCalls{0};
  mutable std::mutex echoMutex;
  std::optional<RecordedRequest> lastEcho;
  mutable std::mutex planMutex;
  std::vector<int> plan;
  std::vector<int> served;

  int nextPlannedDelay() {
    std::lock_guard<std::mutex> lock(planMutex);
    size_t n = served.size();
    served.push_back(n < plan.size() ? plan[n] : 0);
    return served.back();
  }

  void routes() {
    server.set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
      ++requests;
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.Get("/fast", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("ok", "text/plain");
    });
    server.Get("/slow", [](const httplib::Request& request, httplib::Response& response) {
      std::this_thread::sleep_for(std::chrono::milliseconds(intParam(request, "ms", 100)));
      response.set_content("slow", "text/plain");
    });
    server.Get(
        "/sometimes-slow", [this](const httplib::Request& request, httplib::Response& response) {
          uint64_t call = sometimesSlowCalls++;
          auto every = static_cast<uint64_t>(intParam(request, "every", 10));
          if (every > 0 && call % every == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(intParam(request, "ms", 100)));
          response.set_content("ok", "text/plain");
        });
    server.Get(R"(/status/(\d+))",
               [](const httplib::Request& request, httplib::Response& response) {
                 response.status = std::stoi(request.matches[1]);
                 response.set_content("status", "text/plain");
               });
    auto echo = [this](const httplib::Request& request, httplib::Response& response) {
      RecordedRequest recorded{request.method, {}, request.body};
      std::string text;
      for (const auto& [name, value] : request.headers) {
        // httplib adds these itself; they were not sent by the client.
        if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
            name == "LOCAL_PORT")
          continue;
        recorded.headers.emplace_back(name, value);
        text += name + ": " + value + "\n";
      }
      text += "\n" + request.body;
      response.set_content(text, "text/plain");
      std::lock_guard<std::mutex> lock(echoMutex);
      lastEcho = std::move(recorded);
    };
    server.Get("/echo", echo);
    server.Post("/echo", echo);
    server.Put("/echo", echo);
    server.Get("/planned", [this](const httplib::Request&, httplib::Response& response) {
      std::this_thread::sleep_for(std::chrono::milliseconds(nextPlannedDelay()));
      response.set_content("ok", "text/plain");
    });
    server.Get("/huge", [](const httplib::Request& request, httplib::Response& response) {
      // mb=N megabytes of body, streamed in 64 KiB pieces: a peer sending far more than used.
      const size_t total = static_cast<size_t>(intParam(request, "mb", 1)) << 20;
      response.set_content_provider(total, "application/octet-stream",
                                    [](size_t offset, size_t length, httplib::DataSink& sink) {
                                      static const std::string piece(64 * 1024, 'x');
                                      (void)offset;
                                      return sink.write(piece.data(),
                                                        std::min(length, piece.size()));
                                    });
    });
    server.Get("/close", [](const httplib::Request&, httplib::Response& response) {
      // A provider that fails makes httplib close the socket after the headers went out.
      response.set_content_provider(1000, "text/plain",
                                    [](size_t, size_t, httplib::DataSink&) { return false; });
    });
  }
};

TestHttpServer::TestHttpServer() : impl_(std::make_unique<Impl>()) {
  // Load tests keep many connections open, each holding a worker thread of httplib.
  impl_->server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  impl_->server.set_keep_alive_max_count(1'000'000);
  impl_->server.set_keep_alive_timeout(2);
  impl_->server.set_tcp_nodelay(true);  // else Nagle + delayed ACK add 40 ms per response
  impl_->routes();
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) throw std::runtime_error("test server: cannot bind 127.0.0.1");
  // The socket already listens, so clients may connect before the thread starts accepting.
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // stop() is a no-op until the server runs, so wait for that (it takes microseconds).
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

TestHttpServer::~TestHttpServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int TestHttpServer::port() const {
  return impl_->port;
}

std::string TestHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

uint64_t TestHttpServer::requestCount() const {
  return impl_->requests.load();
}

std::optional<RecordedRequest> TestHttpServer::lastEcho() const {
  std::lock_guard<std::mutex> lock(impl_->echoMutex);
  return impl_->lastEcho;
}

void TestHttpServer::setLatencyPlan(std::vector<int> delaysMs) {
  std::lock_guard<std::mutex> lock(impl_->planMutex);
  impl_->plan = std::move(delaysMs);
  impl_->served.clear();
}

std::vector<int> TestHttpServer::servedDelaysMs() const {
  std::lock_guard<std::mutex> lock(impl_->planMutex);
  return impl_->served;
}

}  // namespace iter8::testing
