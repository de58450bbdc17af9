#include "tests/support/scripted_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string_view>

namespace iter8::testing {
namespace {

std::runtime_error systemError(const std::string& what) {
  return std::runtime_error("scripted HTTP server: " + what + ": " + std::strerror(errno));
}

// What happens to the connection once a response is out.
enum class After { kKeepAlive, kClose, kReset, kHang, kFlood };

struct Reply {
  std::vector<std::string> parts;  // written one after another, 1 ms apart
  After after = After::kKeepAlive;
};

struct ParsedRequest {
  std::string path;
  std::map<std::string, std::string> query;
};

// Waits until `fd` is ready for `events` or the server stops. False when it stops.
bool waitFor(int fd, short events, int stopFd) {
  pollfd fds[2] = {{fd, events, 0}, {stopFd, POLLIN, 0}};
  while (true) {
    int ready = poll(fds, 2, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (fds[1].revents != 0) return false;
    if (fds[0].revents != 0) return true;
  }
}

bool sendAll(int fd, std::string_view data, int stopFd) {
  while (!data.empty()) {
    ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<size_t>(sent));
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!waitFor(fd, POLLOUT, stopFd)) return false;
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else {
      return false;  // the client went away
    }
  }
  return true;
}

// Reads more bytes into `buffer`. False on end of stream, error or stop.
bool readMore(int fd, std::string& buffer, int stopFd) {
  char chunk[16384];
  while (true) {
    ssize_t got = recv(fd, chunk, sizeof chunk, 0);
    if (got > 0) {
      buffer.append(chunk, static_cast<size_t>(got));
      return true;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (!waitFor(fd, POLLIN, stopFd)) return false;
  }
}

bool sameNameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The Content-Length of a request head (up to the blank line); 0 when it has none.
size_t contentLength(std::string_view head) {
  size_t lineStart = head.find("\r\n");
  while (lineStart != std::string_view::npos && lineStart + 2 < head.size()) {
    lineStart += 2;
    size_t lineEnd = head.find("\r\n", lineStart);
    std::string_view line = head.substr(lineStart, lineEnd - lineStart);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos &&
        sameNameIgnoringCase(line.substr(0, colon), "Content-Length")) {
      std::string value(line.substr(colon + 1));
      return static_cast<size_t>(std::stoull(value));
    }
    lineStart = lineEnd;
  }
  return 0;
}

// Takes one whole request (head and Content-Length body) off the front of `buffer`, reading
// as needed. False when the connection ends first.
bool readRequest(int fd, std::string& buffer, std::string& request, int stopFd) {
  size_t headEnd;
  while ((headEnd = buffer.find("\r\n\r\n")) == std::string::npos)
    if (!readMore(fd, buffer, stopFd)) return false;
  size_t total = headEnd + 4 + contentLength(std::string_view(buffer).substr(0, headEnd + 2));
  while (buffer.size() < total)
    if (!readMore(fd, buffer, stopFd)) return false;
  request = buffer.substr(0, total);
  buffer.erase(0, total);
  return true;
}

ParsedRequest parseRequestLine(const std::string& request) {
  ParsedRequest parsed;
  size_t targetStart = request.find(' ') + 1;
  size_t targetEnd = request.find(' ', targetStart);
  std::string target = request.substr(targetStart, targetEnd - targetStart);
  size_t question = target.find('?');
  parsed.path = target.substr(0, question);
  if (question == std::string::npos) return parsed;
  std::string query = target.substr(question + 1);
  size_t begin = 0;
  while (begin <= query.size()) {
    size_t end = query.find('&', begin);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(begin, end - begin);
    size_t equals = pair.find('=');
    parsed.query[pair.substr(0, equals)] =
        equals == std::string::npos ? "" : pair.substr(equals + 1);
    begin = end + 1;
  }
  return parsed;
}

size_t number(const ParsedRequest& request, const std::string& name, size_t fallback) {
  auto found = request.query.find(name);
  if (found == request.query.end() || found->second.empty()) return fallback;
  return static_cast<size_t>(std::stoull(found->second));
}

bool flag(const ParsedRequest& request, const std::string& name) {
  return number(request, name, 0) != 0;
}

// N body bytes of a recognisable pattern ("abc...zabc...").
std::string bodyOf(size_t size) {
  std::string body(size, ' ');
  for (size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + i % 26);
  return body;
}

const char* reasonPhrase(int code) {
  switch (code) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 304:
      return "Not Modified";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Scripted";
  }
}

std::string statusLine(int code) {
  return "HTTP/1.1 " + std::to_string(code) + " " + reasonPhrase(code) + "\r\n";
}

std::string withLength(int code, const std::string& body, const std::string& extraHeaders = "") {
  return statusLine(code) + "Content-Type: application/octet-stream\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

std::string chunked(const ParsedRequest& request) {
  std::string response =
      statusLine(200) + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string sizes = request.query.count("chunks") ? request.query.at("chunks") : "";
  const char* extension = flag(request, "ext") ? ";name=\"value\"" : "";
  size_t begin = 0;
  while (begin < sizes.size()) {
    size_t end = sizes.find(',', begin);
    if (end == std::string::npos) end = sizes.size();
    size_t size = std::stoull(sizes.substr(begin, end - begin));
    begin = end + 1;
    if (size == 0) continue;  // a zero-size chunk would end the body
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", size);
    response += std::string(hex) + extension + "\r\n" + bodyOf(size) + "\r\n";
  }
  response += std::string("0") + extension + "\r\n";
  if (flag(request, "trailer")) response += "X-Trailer: done\r\n";
  return response + "\r\n";
}

// Whether the request head has "Connection: close" (any case), as a client sends to end the
// connection after this response.
bool clientCloses(std::string_view request) {
  std::string_view head = request.substr(0, request.find("\r\n\r\n") + 2);
  for (size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at)) {
    at += 2;
    std::string_view line = head.substr(at, head.find("\r\n", at) - at);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos ||
        !sameNameIgnoringCase(line.substr(0, colon), "Connection"))
      continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (sameNameIgnoringCase(value, "close")) return true;
  }
  return false;
}

// The script for one request; `served` counts this connection's responses, this one included.
Reply replyTo(const ParsedRequest& request, uint64_t served) {
  Reply reply;
  const std::string& path = request.path;
  if (path == "/length") {
    reply.parts = {withLength(200, bodyOf(number(request, "size", 0)))};
  } else if (path == "/chunked") {
    reply.parts = {chunked(request)};
  } else if (path == "/eof") {
    reply.parts = {statusLine(200) + "Content-Type: application/octet-stream\r\n\r\n" +
                   bodyOf(number(request, "size", 0))};
    reply.after = After::kClose;
  } else if (path == "/continue") {
    for (size_t i = number(request, "count", 1); i > 0; --i)
      reply.parts.push_back(statusLine(100) + "\r\n");
    reply.parts.push_back(withLength(200, bodyOf(number(request, "size", 5))));
  } else if (path == "/close") {
    reply.parts = {withLength(200, bodyOf(number(request, "size", 2)), "Connection: close\r\n")};
    reply.after = After::kClose;
  } else if (path == "/keepalive-max") {
    reply.parts = {withLength(200, bodyOf(number(request, "size", 2)))};
    uint64_t limit = number(request, "n", 1);
    if (limit == 0 || served % limit == 0) reply.after = After::kClose;
  } else if (path == "/status") {
    int code = static_cast<int>(number(request, "code", 200));
    if (code == 204 || code == 304)
      reply.parts = {statusLine(code) + "\r\n"};
    else
      reply.parts = {withLength(code, "status " + std::to_string(code))};
  } else if (path == "/reset") {
    reply.after = After::kReset;
  } else if (path == "/hang") {
    reply.after = After::kHang;
  } else if (path == "/continue-flood") {
    reply.after = After::kFlood;
  } else if (path == "/truncated") {
    reply.parts = {statusLine(200) + "Content-Length: 100\r\n\r\n" + bodyOf(10)};
    reply.after = After::kClose;
  } else {
    reply.parts = {withLength(200, "ok")};
  }
  return reply;
}

// Writes the parts, each split into pieces of `piece` bytes (0: whole), 1 ms between writes.
bool sendReply(int fd, const Reply& reply, size_t piece, int stopFd) {
  bool first = true;
  for (const std::string& part : reply.parts) {
    std::string_view rest(part);
    while (!rest.empty()) {
      if (!first) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      first = false;
      size_t size = piece == 0 ? rest.size() : std::min(piece, rest.size());
      if (!sendAll(fd, rest.substr(0, size), stopFd)) return false;
      rest.remove_prefix(size);
    }
  }
  return true;
}

// Discards whatever the client sends until it closes the connection or the server stops.
void waitForClientToLeave(int fd, int stopFd) {
  std::string ignored;
  while (readMore(fd, ignored, stopFd)) ignored.clear();
}

}  // namespace

ScriptedHttpServer::ScriptedHttpServer(const std::string& address, int port) : address_(address) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = address.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) != 1)
      throw std::runtime_error("scripted HTTP server: bad address " + address);
    length = sizeof(sockaddr_in);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) != 1)
      throw std::runtime_error("scripted HTTP server: bad address " + address);
    length = sizeof(sockaddr_in6);
  }
  listenFd_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listenFd_ < 0) throw systemError("socket");
  int one = 1;
  setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listenFd_, reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
      listen(listenFd_, 128) != 0 ||
      getsockname(listenFd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    std::runtime_error error = systemError("cannot listen on " + address);
    close(listenFd_);
    throw error;
  }
  port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&storage)->sin_port
                                  : reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd_ < 0) {
    std::runtime_error error = systemError("eventfd");
    close(listenFd_);
    throw error;
  }
  acceptThread_ = std::thread([this] { acceptLoop(); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  uint64_t one = 1;
  // Never read back, so the eventfd stays readable and every poll() in every thread returns.
  if (write(stopFd_, &one, sizeof one) != sizeof one) std::abort();
  acceptThread_.join();
  for (std::thread& thread : connectionThreads_) thread.join();  // the accept loop has ended
  close(listenFd_);
  close(stopFd_);
}

std::string ScriptedHttpServer::url(const std::string& pathAndQuery) const {
  std::string host = address_.find(':') == std::string::npos ? address_ : "[" + address_ + "]";
  return "http://" + host + ":" + std::to_string(port_) + pathAndQuery;
}

std::vector<std::string> ScriptedHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void ScriptedHttpServer::record(const std::string& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.push_back(request);
  ++requestCount_;
}

void ScriptedHttpServer::acceptLoop() {
  while (waitFor(listenFd_, POLLIN, stopFd_)) {
    int fd = accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;  // the client gave up meanwhile, or EINTR
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // pieces go out as written
    ++connectionCount_;
    connectionThreads_.emplace_back([this, fd] { serve(fd); });
  }
}

void ScriptedHttpServer::serve(int fd) {
  std::string buffer;
  std::string request;
  uint64_t served = 0;
  After after = After::kClose;
  while (readRequest(fd, buffer, request, stopFd_)) {
    record(request);
    ParsedRequest parsed = parseRequestLine(request);
    Reply reply = replyTo(parsed, ++served);
    if (reply.after == After::kKeepAlive && clientCloses(request)) {
      // As real servers do: say so in the final response, then close.
      std::string& response = reply.parts.back();
      response.insert(response.find("\r\n") + 2, "Connection: close\r\n");
      reply.after = After::kClose;
    }
    after = reply.after;
    if (!sendReply(fd, reply, number(parsed, "piece", 0), stopFd_)) {
      after = After::kClose;
      break;
    }
    if (after != After::kKeepAlive) break;
  }
  if (after == After::kReset) {
    linger abort{1, 0};  // close() then sends RST instead of FIN
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  } else if (after == After::kHang) {
    waitForClientToLeave(fd, stopFd_);
  } else if (after == After::kFlood) {
    // "100 Continue" as fast as the socket takes them, never a final response, until the
    // client leaves or the server stops.
    std::string block;
    while (block.size() < 64 * 1024) block += statusLine(100) + "\r\n";
    while (sendAll(fd, block, stopFd_)) {
    }
  } else {
    shutdown(fd, SHUT_WR);  // FIN after the last byte
  }
  close(fd);
}

RefusingLoopbackPort::RefusingLoopbackPort() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error("cannot reserve a loopback port");
  }
  port_ = ntohs(address.sin_port);
}

RefusingLoopbackPort::~RefusingLoopbackPort() {
  close(fd_);
}

std::string RefusingLoopbackPort::url(const std::string& pathAndQuery) const {
  return "http://127.0.0.1:" + std::to_string(port_) + pathAndQuery;
}

SilentLoopbackPort::SilentLoopbackPort() {
  if (listen(bound_.fd(), 1024) != 0) throw std::runtime_error("cannot listen on a loopback port");
}

SilentLoopbackPort::~SilentLoopbackPort() = default;

std::string SilentLoopbackPort::url(const std::string& pathAndQuery) const {
  return bound_.url(pathAndQuery);
}

}  // namespace iter8::testing
