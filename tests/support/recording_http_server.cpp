#include "tests/support/recording_http_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace iter8::testing {
namespace {

bool sameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

std::string ReceivedRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (sameName(n, name)) return v;
  }
  return "";
}

bool ReceivedRequest::has(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return sameName(h.first, name); });
}

struct RecordingHttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  mutable std::mutex mutex;
  std::condition_variable stopped;
  bool stopping = false;
  Reply reply;
  std::vector<ReceivedRequest> received;

  void handle(const httplib::Request& request, httplib::Response& response) {
    ReceivedRequest recorded;
    recorded.method = request.method;
    recorded.path = request.path;
    size_t question = request.target.find('?');
    if (question != std::string::npos) recorded.query = request.target.substr(question + 1);
    for (const auto& [name, value] : request.headers) {
      // httplib adds these itself; they were not sent by the client.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
          name == "LOCAL_PORT")
        continue;
      recorded.headers.emplace_back(name, value);
    }
    recorded.body = request.body;
    Reply answer;
    {
      std::unique_lock<std::mutex> lock(mutex);
      received.push_back(std::move(recorded));
      answer = reply;
      if (answer.delay.count() > 0)
        stopped.wait_for(lock, answer.delay, [this] { return stopping; });
    }
    response.status = answer.status;
    if (answer.streamedBytes == 0 || answer.body.empty()) {
      response.set_content(answer.body, answer.contentType.c_str());
      return;
    }
    std::string piece;
    while (piece.size() < 64 * 1024) piece += answer.body;
    response.set_content_provider(answer.streamedBytes, answer.contentType.c_str(),
                                  [piece](size_t offset, size_t length, httplib::DataSink& sink) {
                                    (void)offset;
                                    return sink.write(piece.data(), std::min(length, piece.size()));
                                  });
  }
};

RecordingHttpServer::RecordingHttpServer() : impl_(std::make_unique<Impl>()) {
  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    impl_->handle(request, response);
  };
  impl_->server.Get(".*", handler);
  impl_->server.Post(".*", handler);
  impl_->server.Put(".*", handler);
  impl_->server.Patch(".*", handler);
  impl_->server.Delete(".*", handler);
  impl_->server.Options(".*", handler);
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) throw std::runtime_error("recording server: cannot bind 127.0.0.1");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

RecordingHttpServer::~RecordingHttpServer() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->stopped.notify_all();
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string RecordingHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

void RecordingHttpServer::setReply(Reply reply) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->reply = std::move(reply);
}

std::vector<ReceivedRequest> RecordingHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->received;
}

int unusedLoopbackPort() {
  // Bind an ephemeral port without listening, read it, close it: connecting is then refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("cannot create a socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace iter8::testing
