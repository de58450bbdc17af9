// The fast engine: a lean HTTP/1.1 client for plain http:// targets, for the reason Fortio ships
// one beside Go's: a general client's per-request work dominates at high rates. With libcurl
// (URL and header handling per transfer, two zero-timeout poll() calls per request, malloc) our
// generator spent 2.4 times wrk's CPU per request. Here the request is built once per load, a
// send is one send() of those bytes, a response is recv() into one shared buffer parsed by
// http_parser (lib/http_response_parser), and a kept-alive connection needs no epoll_ctl: per
// request two syscalls plus a share of one epoll_wait.
//
// It does what the curl engine does (tests/load_engines_test.cpp holds both to the same cases):
// one request per connection at a time on kept-alive connections; a new connection when the
// server closes one (Connection: close, HTTP/1.0, a silent close); a request whose reused
// connection turns out dead before any byte of the response is sent again, once, on a new
// connection, as libcurl does; the timeout covers connect, send and response; connect tries
// every address of the host in turn; a failure is code -1 with the same reason libcurl's error
// maps to.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "lib/http_response_parser.h"
#include "plugins/metrics/loadgen/http_target.h"
#include "plugins/metrics/loadgen/load_engine.h"
#include "plugins/metrics/loadgen/poller.h"

namespace iter8::metrics {
namespace {

using Clock = std::chrono::steady_clock;
using http::ResponseParser;

constexpr uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP;
constexpr size_t kReceiveBufferSize = 64 * 1024;
constexpr int kMaxReadsPerEvent = 16;  // 1 MiB

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_UNSPEC;
};

struct Connection {
  enum class State { kIdle, kConnecting, kWriting, kReading };
  int fd = -1;
  State state = State::kIdle;
  bool watchingWrites = false;  // EPOLLOUT is in its epoll registration
  bool reused = false;          // the socket already carried a whole response
  bool retried = false;         // this request already moved to a fresh connection once
  size_t address = 0;           // index in addresses_ of the connect in progress
  size_t attempts = 0;          // addresses tried by this connect
  size_t written = 0;           // bytes of the request sent
  uint64_t generation = 0;      // one per request: tells a stale Deadline from a live one
  SendTicket ticket;
  ResponseParser parser;
};

// When a request times out. Requests start in time order and share one timeout, so a FIFO
// queue is ordered by deadline; entries of requests that ended are skipped when they reach
// the front.
struct Deadline {
  Clock::time_point at;
  Connection* connection;
  uint64_t generation;
};

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class FastEngine : public LoadEngineRun {
 public:
  FastEngine(const LoadSpec& spec, const HttpTarget& target, CompletionSink& sink)
      : spec_(spec),
        target_(target),
        sink_(sink),
        request_(buildHttpRequest(spec, target)),
        connections_(static_cast<size_t>(spec.connections)),
        poller_(connections_.size()),
        buffer_(std::make_unique<char[]>(kReceiveBufferSize)) {
    idle_.reserve(connections_.size());
    for (Connection& connection : connections_) idle_.push_back(&connection);
    resolve();  // failures are retried at each connect and reported per request (DNS)
  }

  ~FastEngine() override {
    for (Connection& connection : connections_) closeSocket(connection);
  }

  size_t idleConnections() const override { return idle_.size(); }
  int socketCount() const override { return socketCount_; }

  void send(const SendTicket& ticket) override {
    Connection& connection = *idle_.back();
    idle_.pop_back();
    connection.ticket = ticket;
    connection.retried = false;
    ++connection.generation;
    deadlines_.push_back(Deadline{ticket.sent + spec_.timeout, &connection, connection.generation});
    if (deadlines_.size() > compactAt_) dropEndedDeadlines();
    begin(connection);
  }

  void waitAndHandle(Clock::time_point now, Clock::time_point wake) override {
    if (expireDeadlines(now)) return;
    if (!deadlines_.empty()) wake = std::min(wake, deadlines_.front().at);
    int ready = poller_.wait(now, wake);
    for (int i = 0; i < ready; ++i) {
      const epoll_event& event = poller_.event(i);
      handle(*reinterpret_cast<Connection*>(event.data.u64), event.events);
    }
    if (ready == 0) expireDeadlines(Clock::now());
  }

 private:
  // Starts the request of `connection`'s ticket: on its open socket, or on a new one.
  void begin(Connection& connection) {
    connection.parser.reset();
    connection.written = 0;
    if (connection.fd >= 0) {
      connection.state = Connection::State::kWriting;
      write(connection);
      return;
    }
    connection.attempts = 0;
    connection.address = preferred_;
    connect(connection);
  }

  bool resolve() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    addrinfo* found = nullptr;
    if (getaddrinfo(target_.host.c_str(), target_.port.c_str(), &hints, &found) != 0) return false;
    for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      if (entry->ai_addrlen > sizeof(sockaddr_storage)) continue;
      Address address;
      std::memcpy(&address.storage, entry->ai_addr, entry->ai_addrlen);
      address.length = entry->ai_addrlen;
      address.family = entry->ai_family;
      addresses_.push_back(address);
    }
    freeaddrinfo(found);
    preferred_ = 0;
    return !addresses_.empty();
  }

  // Opens a socket to the next address not yet tried; reports the request failed when none
  // is left.
  void connect(Connection& connection) {
    if (addresses_.empty() && !resolve()) {
      fail(connection, TransportError::kDns);
      return;
    }
    while (connection.attempts < addresses_.size()) {
      const Address& address = addresses_[connection.address];
      int fd = socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
      if (fd < 0) {
        fail(connection, classifySocketErrno(errno));
        return;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connection.fd = fd;
      connection.reused = false;
      int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length);
      if (rc == 0 || errno == EINPROGRESS) {
        // Writable once connected (or failed): the event continues in connectDone.
        connection.state = Connection::State::kConnecting;
        connection.watchingWrites = true;
        if (poller_.add(fd, kReadEvents | EPOLLOUT, token(connection))) return;
        fail(connection, TransportError::kOther);
        return;
      }
      nextAddress(connection, errno);
    }
    fail(connection, classifyConnectErrno(lastConnectErrno_));
  }

  void nextAddress(Connection& connection, int error) {
    closeSocket(connection);
    lastConnectErrno_ = error;
    ++connection.attempts;
    connection.address = (connection.address + 1) % addresses_.size();
  }

  void connectDone(Connection& connection, uint32_t events) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error == 0 && (events & (EPOLLERR | EPOLLHUP))) error = ECONNREFUSED;
    if (error != 0) {
      nextAddress(connection, error);
      connect(connection);
      return;
    }
    if (!(events & EPOLLOUT)) return;
    ++socketCount_;
    preferred_ = connection.address;
    connection.state = Connection::State::kWriting;
    write(connection);
  }

  void write(Connection& connection) {
    while (connection.written < request_.size()) {
      ssize_t sent = ::send(connection.fd, request_.data() + connection.written,
                            request_.size() - connection.written, MSG_NOSIGNAL);
      if (sent >= 0) {
        connection.written += static_cast<size_t>(sent);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        watchWrites(connection, true);
        return;
      }
      lost(connection);
      return;
    }
    watchWrites(connection, false);
    connection.state = Connection::State::kReading;
  }

  void read(Connection& connection) {
    // At most kMaxReadsPerEvent full buffers per event: a peer that keeps the socket full must
    // not keep the loop from the deadlines (epoll is level-triggered: the rest comes next).
    for (int reads = 0; reads < kMaxReadsPerEvent; ++reads) {
      ssize_t received = recv(connection.fd, buffer_.get(), kReceiveBufferSize, 0);
      if (received > 0) {
        ResponseParser::State state =
            connection.parser.feed(buffer_.get(), static_cast<size_t>(received));
        if (state == ResponseParser::State::kComplete) {
          complete(connection);
          return;
        }
        if (state == ResponseParser::State::kError) {
          // libcurl ends headers past 300 KiB with CURLE_RECV_ERROR, which the curl engine
          // records as a reset; anything else not HTTP is its "weird server reply".
          fail(connection, connection.parser.headersTooLarge() ? TransportError::kConnectionReset
                                                               : TransportError::kOther);
          return;
        }
        // A short read drained the socket; level-triggered epoll reports what comes next.
        if (static_cast<size_t>(received) < kReceiveBufferSize) return;
        continue;
      }
      if (received == 0) {
        if (connection.parser.finish() == ResponseParser::State::kComplete) {
          complete(connection);
        } else {
          lost(connection);
        }
        return;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) lost(connection);
      return;
    }
  }

  void handle(Connection& connection, uint32_t events) {
    switch (connection.state) {
      case Connection::State::kIdle:
        // The server closed a kept-alive connection (or sent what nobody asked for).
        closeSocket(connection);
        return;
      case Connection::State::kConnecting:
        connectDone(connection, events);
        return;
      case Connection::State::kWriting:
        if (events & EPOLLOUT) write(connection);
        break;
      case Connection::State::kReading:
        break;
    }
    // A response may come before the whole request went out (a server refusing a body). After a
    // failed write the connection is idle, or connecting on a new socket (a retry): these
    // events are not about that socket.
    bool sending = connection.state == Connection::State::kWriting ||
                   connection.state == Connection::State::kReading;
    if (sending && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) read(connection);
  }

  // The connection died before the response ended. On a reused connection with nothing
  // received, the server most likely closed it as idle just as we sent: send again on a new one.
  void lost(Connection& connection) {
    bool staleKeepAlive = connection.reused && !connection.parser.started() && !connection.retried;
    closeSocket(connection);
    if (!staleKeepAlive) {
      fail(connection, TransportError::kConnectionReset);
      return;
    }
    connection.retried = true;
    begin(connection);
  }

  void complete(Connection& connection) {
    if (connection.parser.status() <= 0) {
      fail(connection, TransportError::kOther);  // "HTTP/1.1 000": no status, as with libcurl
      return;
    }
    Sample sample{secondsSince(connection.ticket.sent), 0, connection.parser.status(),
                  connection.parser.bodyBytes()};
    bool keep = connection.parser.keepAlive() && connection.written == request_.size();
    if (keep) {
      connection.reused = true;
    } else {
      closeSocket(connection);
    }
    finish(connection, sample);
  }

  void fail(Connection& connection, TransportError error) {
    closeSocket(connection);
    Sample sample{secondsSince(connection.ticket.sent), 0, -1, connection.parser.bodyBytes()};
    sample.error = error;
    finish(connection, sample);
  }

  void finish(Connection& connection, const Sample& sample) {
    connection.state = Connection::State::kIdle;
    idle_.push_back(&connection);
    sink_.onCompletion(connection.ticket, sample);
  }

  static bool ended(const Deadline& deadline) {
    return deadline.generation != deadline.connection->generation ||
           deadline.connection->state == Connection::State::kIdle;
  }

  // One request stuck until its timeout holds every later entry in the queue: at 30k qps and a
  // 60 s timeout, 1.8 million of them. At most `connections` entries are live, so dropping the
  // ended ones whenever the queue doubles keeps it small at O(1) amortized cost.
  void dropEndedDeadlines() {
    deadlines_.erase(std::remove_if(deadlines_.begin(), deadlines_.end(), ended), deadlines_.end());
    compactAt_ = std::max(kMinCompactAt, 2 * deadlines_.size());
  }

  // Fails every request whose deadline passed; returns whether there was one.
  bool expireDeadlines(Clock::time_point now) {
    bool expired = false;
    while (!deadlines_.empty()) {
      const Deadline deadline = deadlines_.front();
      bool over = ended(deadline);
      if (!over && deadline.at > now) break;
      deadlines_.pop_front();
      if (over) continue;
      fail(*deadline.connection, TransportError::kTimeout);
      expired = true;
    }
    return expired;
  }

  void watchWrites(Connection& connection, bool on) {
    if (connection.watchingWrites == on) return;
    connection.watchingWrites = on;
    poller_.modify(connection.fd, kReadEvents | (on ? EPOLLOUT : 0u), token(connection));
  }

  void closeSocket(Connection& connection) {
    if (connection.fd < 0) return;
    close(connection.fd);  // also leaves the epoll set: nothing else holds the socket
    connection.fd = -1;
    connection.watchingWrites = false;
  }

  static uint64_t token(Connection& connection) {
    return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&connection));
  }

  const LoadSpec& spec_;
  const HttpTarget target_;
  CompletionSink& sink_;
  const std::string request_;
  std::vector<Connection> connections_;  // never resized: epoll tokens point into it
  std::vector<Connection*> idle_;
  std::deque<Deadline> deadlines_;
  static constexpr size_t kMinCompactAt = 1024;
  size_t compactAt_ = kMinCompactAt;
  std::vector<Address> addresses_;
  size_t preferred_ = 0;  // the address that connected last
  int lastConnectErrno_ = 0;
  int socketCount_ = 0;
  Poller poller_;
  std::unique_ptr<char[]> buffer_;
};

}  // namespace

std::unique_ptr<LoadEngineRun> startFastEngine(const LoadSpec& spec, const HttpTarget& target,
                                               CompletionSink& sink) {
  return std::make_unique<FastEngine>(spec, target, sink);
}

}  // namespace iter8::metrics
