// The libcurl engine: https, HTTP/2, proxies and any URL the fast engine leaves alone. It owns a
// curl multi handle with exactly `connections` easy handles. A handle is either idle (in
// `idle_`) or in the multi handle; it is added only when idle, so libcurl never queues a transfer
// behind a busy connection (queue time would count against the request timeout and hide the
// wait from us).
//
// The multi handle is driven with curl_multi_socket_action and our own epoll set, not with
// curl_multi_perform/curl_multi_poll: those walk (and poll) every transfer on each call, which
// cost about a third of the CPU at max rate. Here only the socket that fired is processed.
#include <curl/curl.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugins/metrics/loadgen/load_engine.h"
#include "plugins/metrics/loadgen/poller.h"
#include "plugins/metrics/loadgen/request_headers.h"

namespace iter8::metrics {
namespace {

using Clock = std::chrono::steady_clock;

struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

using MultiPtr = std::unique_ptr<CURLM, CurlMultiDeleter>;
using EasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// One easy handle and what its current transfer needs. Its address is the CURLOPT_PRIVATE and
// write-callback pointer, so Transfers live in a vector that never reallocates after setup.
struct Transfer {
  EasyPtr easy;
  SendTicket ticket;
  size_t bodyBytes = 0;
  int socketErrno = 0;  // why the last socket() for this transfer failed (0: it did not)
};

size_t countBodyBytes(char* /*data*/, size_t size, size_t count, void* user) {
  static_cast<Transfer*>(user)->bodyBytes += size * count;
  return size * count;
}

// libcurl reports a failed socket() as CURLE_COULDNT_CONNECT without an errno
// (CURLINFO_OS_ERRNO 0 reads as "refused"), so a handler out of descriptors would blame the
// target. Opening the socket here keeps the errno.
curl_socket_t openSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  curl_socket_t fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  static_cast<Transfer*>(user)->socketErrno = fd == CURL_SOCKET_BAD ? errno : 0;
  return fd;
}

template <typename T>
void setEasy(CURL* easy, CURLoption option, T value) {
  CURLcode rc = curl_easy_setopt(easy, option, value);
  if (rc != CURLE_OK)
    throw std::runtime_error(std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));
}

template <typename T>
void setMulti(CURLM* multi, CURLMoption option, T value) {
  CURLMcode rc = curl_multi_setopt(multi, option, value);
  if (rc != CURLM_OK)
    throw std::runtime_error(std::string("curl_multi_setopt: ") + curl_multi_strerror(rc));
}

class CurlEngine : public LoadEngineRun {
 public:
  CurlEngine(const LoadSpec& spec, CompletionSink& sink)
      : spec_(spec),
        sink_(sink),
        multi_(curl_multi_init()),
        poller_(static_cast<size_t>(spec.connections) + 8) {  // sockets may briefly outnumber
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    setMulti(multi_.get(), CURLMOPT_SOCKETFUNCTION, onCurlSocket);
    setMulti(multi_.get(), CURLMOPT_SOCKETDATA, static_cast<void*>(this));
    setMulti(multi_.get(), CURLMOPT_TIMERFUNCTION, onCurlTimer);
    setMulti(multi_.get(), CURLMOPT_TIMERDATA, static_cast<void*>(this));
    long connections = spec.connections;
    setMulti(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
    setMulti(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, connections);
    setMulti(multi_.get(), CURLMOPT_MAXCONNECTS, connections);  // keep every one alive
    // One request per connection at a time, as Fortio's HTTP/1.1 client does.
    setMulti(multi_.get(), CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_NOTHING));
    for (const std::string& header : requestHeaders(spec_)) appendHeader(header);
    transfers_.resize(static_cast<size_t>(spec.connections));
    idle_.reserve(transfers_.size());
    for (Transfer& transfer : transfers_) {
      configure(transfer);
      idle_.push_back(&transfer);
    }
  }

  ~CurlEngine() override {
    // Abandoned transfers (cancellation, exceptions) must leave the multi before cleanup.
    for (Transfer& transfer : transfers_)
      if (transfer.easy) curl_multi_remove_handle(multi_.get(), transfer.easy.get());
    // curl_multi_cleanup closes the cached connections after the poller is gone: no callbacks.
    curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, nullptr);
    curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, nullptr);
  }

  size_t idleConnections() const override { return idle_.size(); }
  int socketCount() const override { return socketCount_; }

  void send(const SendTicket& ticket) override {
    Transfer* transfer = idle_.back();
    idle_.pop_back();
    transfer->ticket = ticket;
    transfer->bodyBytes = 0;
    transfer->socketErrno = 0;
    // curl starts it at the next socket_action(TIMEOUT): its timer callback asks for one at once.
    CURLMcode rc = curl_multi_add_handle(multi_.get(), transfer->easy.get());
    if (rc != CURLM_OK)
      throw std::runtime_error(std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc));
  }

  void waitAndHandle(Clock::time_point now, Clock::time_point wake) override {
    runExpiredCurlTimers();  // starts added transfers, enforces timeouts
    if (collectCompleted()) return;
    if (curlTimerArmed_) wake = std::min(wake, curlDeadline_);
    int ready = poller_.wait(now, wake);
    for (int i = 0; i < ready; ++i) {
      const epoll_event& event = poller_.event(i);
      int mask = ((event.events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                 ((event.events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                 ((event.events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
      socketAction(static_cast<curl_socket_t>(event.data.u64), mask);
    }
    runExpiredCurlTimers();
    collectCompleted();
  }

 private:
  void appendHeader(const std::string& header) {
    curl_slist* extended = curl_slist_append(headers_.get(), header.c_str());
    if (!extended) throw std::bad_alloc();
    if (!headers_) headers_.reset(extended);  // curl_slist_append returns the head
  }

  void configure(Transfer& transfer) {
    transfer.easy.reset(curl_easy_init());
    CURL* easy = transfer.easy.get();
    if (!easy) throw std::runtime_error("curl_easy_init failed");
    setEasy(easy, CURLOPT_URL, spec_.url.c_str());
    setEasy(easy, CURLOPT_NOSIGNAL, 1L);  // signals and threads do not mix
    setEasy(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    setEasy(easy, CURLOPT_TCP_NODELAY, 1L);
    setEasy(easy, CURLOPT_HTTPHEADER, headers_.get());
    setEasy(easy, CURLOPT_TIMEOUT_MS,
            static_cast<long>(std::chrono::ceil<std::chrono::milliseconds>(spec_.timeout).count()));
    setEasy(easy, CURLOPT_WRITEFUNCTION, countBodyBytes);
    setEasy(easy, CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    setEasy(easy, CURLOPT_PRIVATE, static_cast<void*>(&transfer));
    setEasy(easy, CURLOPT_OPENSOCKETFUNCTION, openSocket);
    setEasy(easy, CURLOPT_OPENSOCKETDATA, static_cast<void*>(&transfer));
    if (isPost(spec_)) {
      setEasy(easy, CURLOPT_POST, 1L);
      // Not copied by curl: the spec outlives every transfer.
      setEasy(easy, CURLOPT_POSTFIELDS, spec_.body.data());
      setEasy(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(spec_.body.size()));
    }
  }

  // CURLMOPT_SOCKETFUNCTION: keeps the epoll set in line with the sockets curl waits on.
  static int onCurlSocket(CURL* /*easy*/, curl_socket_t socket, int what, void* self,
                          void* registered) {
    auto* engine = static_cast<CurlEngine*>(self);
    if (what == CURL_POLL_REMOVE) {
      engine->poller_.remove(socket);  // harmless if already closed
      curl_multi_assign(engine->multi_.get(), socket, nullptr);
      return 0;
    }
    uint32_t events =
        ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    auto token = static_cast<uint64_t>(socket);
    // fd numbers get reused, so "registered" may be stale either way: try the other on failure.
    bool done = registered ? (engine->poller_.modify(socket, events, token) ||
                              engine->poller_.add(socket, events, token))
                           : (engine->poller_.add(socket, events, token) ||
                              engine->poller_.modify(socket, events, token));
    if (!done) return -1;
    static char marker;
    curl_multi_assign(engine->multi_.get(), socket, &marker);
    return 0;
  }

  // CURLMOPT_TIMERFUNCTION: curl wants socket_action(CURL_SOCKET_TIMEOUT) after timeoutMs.
  static int onCurlTimer(CURLM* /*multi*/, long timeoutMs, void* self) {
    auto* engine = static_cast<CurlEngine*>(self);
    engine->curlTimerArmed_ = timeoutMs >= 0;
    if (engine->curlTimerArmed_)
      engine->curlDeadline_ = Clock::now() + std::chrono::milliseconds(timeoutMs);
    return 0;
  }

  void socketAction(curl_socket_t socket, int events) {
    int running = 0;
    CURLMcode rc = curl_multi_socket_action(multi_.get(), socket, events, &running);
    if (rc != CURLM_OK)
      throw std::runtime_error(std::string("curl_multi_socket_action: ") + curl_multi_strerror(rc));
  }

  void runExpiredCurlTimers() {
    if (!curlTimerArmed_ || Clock::now() < curlDeadline_) return;
    curlTimerArmed_ = false;  // the callback re-arms it during the call if needed
    socketAction(CURL_SOCKET_TIMEOUT, 0);
  }

  // Reports every finished transfer and returns its handle to the idle list. Returns whether
  // any finished.
  bool collectCompleted() {
    bool any = false;
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      CURLcode outcome = message->data.result;  // message dies with remove_handle below
      void* privateData = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &privateData);
      Transfer& transfer = *static_cast<Transfer*>(privateData);
      long connects = 0;
      curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
      socketCount_ += static_cast<int>(connects);
      Sample sample{0, 0, -1, transfer.bodyBytes};
      if (outcome == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (status > 0) sample.code = static_cast<int>(status);
      } else {
        long osErrno = 0;
        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &osErrno);
        sample.error = classifyCurlResult(outcome, osErrno);
        if (outcome == CURLE_COULDNT_CONNECT && transfer.socketErrno != 0) {
          sample.error = classifySocketErrno(transfer.socketErrno);
        }
      }
      if (sample.code < 0 && sample.error == TransportError::kNone) {
        sample.error = TransportError::kOther;  // CURLE_OK without a status line
      }
      curl_off_t totalMicros = 0;
      curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &totalMicros);
      sample.latencySeconds = static_cast<double>(totalMicros) / 1e6;
      curl_multi_remove_handle(multi_.get(), easy);
      idle_.push_back(&transfer);
      any = true;
      sink_.onCompletion(transfer.ticket, sample);
    }
    return any;
  }

  const LoadSpec& spec_;
  CompletionSink& sink_;
  MultiPtr multi_;
  Poller poller_;
  bool curlTimerArmed_ = false;
  Clock::time_point curlDeadline_{};
  SlistPtr headers_;
  std::vector<Transfer> transfers_;
  std::vector<Transfer*> idle_;
  int socketCount_ = 0;
};

}  // namespace

std::unique_ptr<LoadEngineRun> startCurlEngine(const LoadSpec& spec, CompletionSink& sink) {
  return std::make_unique<CurlEngine>(spec, sink);
}

}  // namespace iter8::metrics
