// The load generator's engine. One LoadRun per runLoad call owns a curl multi handle with
// exactly `connections` easy handles. A handle is either idle (in `idle_`) or in the multi
// handle; it is added only when idle, so libcurl never queues a transfer behind a busy
// connection (queue time would count against the request timeout and hide the wait from us).
//
// The multi handle is driven with curl_multi_socket_action and our own epoll set, not with
// curl_multi_perform/curl_multi_poll: those walk (and poll) every transfer on each call, which
// cost about a third of the CPU at max rate. Here only the socket that fired is processed.
#include "plugins/metrics/load_generator.h"

#include "lib/http.h"
#include "lib/text.h"
#include "plugins/metrics/http_target.h"
#include "plugins/metrics/request_headers.h"
#include "plugins/metrics/send_schedule.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "plugins/metrics/wake_timer.h"

namespace iter8::metrics {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// cancelled() is called at most this often (it is caller code; keep it off the hot path) and
// the loop never sleeps longer than kMaxSleep, so cancellation is seen within ~100 ms.
constexpr nanoseconds kCancelCheckInterval = std::chrono::milliseconds(10);
constexpr std::chrono::milliseconds kMaxSleep{100};
constexpr nanoseconds kProgressInterval = std::chrono::seconds(1);

struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};
// Owns a file descriptor (the epoll set).
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

using MultiPtr = std::unique_ptr<CURLM, CurlMultiDeleter>;
using EasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

void validateUrl(const std::string& url) {
  std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
  if (!parsed) throw std::bad_alloc();
  CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0);
  if (rc != CURLUE_OK)
    throw std::invalid_argument("invalid URL '" + url + "': " + curl_url_strerror(rc));
  char* rawScheme = nullptr;
  rc = curl_url_get(parsed.get(), CURLUPART_SCHEME, &rawScheme, 0);
  std::unique_ptr<char, CurlStringDeleter> scheme(rawScheme);
  if (rc != CURLUE_OK || !scheme ||
      (!iter8::equalsIgnoreCase(scheme.get(), "http") &&
       !iter8::equalsIgnoreCase(scheme.get(), "https")))
    throw std::invalid_argument("invalid URL '" + url + "': only http and https are supported");
}

void validateSpec(const LoadSpec& spec) {
  validateUrl(spec.url);
  if (spec.connections < 1) throw std::invalid_argument("connections must be at least 1");
  if (!std::isfinite(spec.qps) || spec.qps < 0)
    throw std::invalid_argument("qps must be a finite number >= 0");
  if (spec.numQueries == 0 && spec.duration <= nanoseconds::zero())
    throw std::invalid_argument("duration must be positive when numQueries is 0");
  if (spec.timeout <= nanoseconds::zero()) throw std::invalid_argument("timeout must be positive");
  validateHeaders(spec.headers);
}

// One easy handle and what its current transfer needs. Its address is the CURLOPT_PRIVATE and
// write-callback pointer, so Transfers live in a vector that never reallocates after setup.
struct Transfer {
  EasyPtr easy;
  Clock::time_point due{};
  Clock::time_point sent{};
  size_t bodyBytes = 0;
  bool warmUp = false;
};

size_t countBodyBytes(char* /*data*/, size_t size, size_t count, void* user) {
  static_cast<Transfer*>(user)->bodyBytes += size * count;
  return size * count;
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

class LoadRun {
 public:
  LoadRun(const LoadSpec& spec, SampleObserver& observer, const std::function<bool()>& cancelled,
          const std::function<void(const Progress&)>& progress)
      : spec_(spec),
        observer_(observer),
        cancelled_(cancelled),
        progress_(progress),
        body_(spec.body),
        multi_(curl_multi_init()),
        epoll_(epoll_create1(EPOLL_CLOEXEC)),
        schedule_(spec.qps, spec.numQueries, spec.duration) {
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    if (epoll_.get() < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    epoll_event timerEvent{};
    // Edge-triggered: each expiry wakes epoll_wait once, and re-arming resets the timerfd, so
    // it never needs the read() that level-triggered waiting would take per send.
    timerEvent.events = EPOLLIN | EPOLLET;
    timerEvent.data.fd = timer_.fd();
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, timer_.fd(), &timerEvent) != 0)
      throw std::system_error(errno, std::generic_category(), "epoll_ctl");
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
    buildHeaders();
    transfers_.resize(static_cast<size_t>(spec.connections));
    idle_.reserve(transfers_.size());
    events_.resize(transfers_.size() + 8);  // sockets may briefly outnumber connections
    for (Transfer& transfer : transfers_) {
      configure(transfer);
      idle_.push_back(&transfer);
    }
  }

  ~LoadRun() {
    // Abandoned transfers (cancellation, exceptions) must leave the multi before cleanup.
    for (Transfer& transfer : transfers_)
      if (transfer.easy) curl_multi_remove_handle(multi_.get(), transfer.easy.get());
    // curl_multi_cleanup closes the cached connections after epoll_ is gone: no callbacks then.
    curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, nullptr);
    curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, nullptr);
  }

  LoadResult run() {
    if (!warmUp()) {
      result_.start = std::chrono::system_clock::now();
      result_.interrupted = true;
      return result_;
    }
    start_ = Clock::now();
    result_.start = std::chrono::system_clock::now();
    schedule_.start(start_);
    nextProgress_ = start_ + kProgressInterval;
    nextCancelCheck_ = start_ + kCancelCheckInterval;
    while (true) {
      runExpiredCurlTimers();
      Clock::time_point now = Clock::now();
      collectCompleted();
      if (now >= nextCancelCheck_) {
        nextCancelCheck_ = now + kCancelCheckInterval;
        if (cancelled_ && cancelled_()) {
          result_.interrupted = true;
          break;  // in-flight transfers are dropped, measured samples are kept
        }
      }
      if (now >= nextProgress_) {
        while (nextProgress_ <= now) nextProgress_ += kProgressInterval;  // one report per stall
        reportProgress(now);
      }
      if (startDueSends(now)) continue;  // let curl send them before sleeping
      if (schedule_.done() && idle_.size() == transfers_.size()) break;
      waitForWork(now);
    }
    Clock::time_point end = Clock::now();
    result_.actualDuration = std::chrono::duration_cast<nanoseconds>(end - start_);
    if (!result_.interrupted) reportProgress(end);
    return result_;
  }

 private:
  void buildHeaders() {
    for (const std::string& header : requestHeaders(spec_)) appendHeader(header);
  }

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
    if (isPost(spec_)) {
      setEasy(easy, CURLOPT_POST, 1L);
      // Not copied by curl: body_ outlives every transfer.
      setEasy(easy, CURLOPT_POSTFIELDS, body_.data());
      setEasy(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
    }
  }

  // CURLMOPT_SOCKETFUNCTION: keeps our epoll set in line with the sockets curl waits on.
  static int onCurlSocket(CURL* /*easy*/, curl_socket_t socket, int what, void* self,
                          void* registered) {
    int epoll = static_cast<LoadRun*>(self)->epoll_.get();
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nullptr);  // fails harmlessly if already closed
      curl_multi_assign(static_cast<LoadRun*>(self)->multi_.get(), socket, nullptr);
      return 0;
    }
    epoll_event event{};
    event.events =
        ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    event.data.fd = socket;
    int first = registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int second = registered ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;  // fd numbers get reused
    if (epoll_ctl(epoll, first, socket, &event) != 0 &&
        epoll_ctl(epoll, second, socket, &event) != 0)
      return -1;
    static char marker;
    curl_multi_assign(static_cast<LoadRun*>(self)->multi_.get(), socket, &marker);
    return 0;
  }

  // CURLMOPT_TIMERFUNCTION: curl wants socket_action(CURL_SOCKET_TIMEOUT) after timeoutMs.
  static int onCurlTimer(CURLM* /*multi*/, long timeoutMs, void* self) {
    auto* run = static_cast<LoadRun*>(self);
    run->curlTimerArmed_ = timeoutMs >= 0;
    if (run->curlTimerArmed_)
      run->curlDeadline_ = Clock::now() + std::chrono::milliseconds(timeoutMs);
    return 0;
  }

  void socketAction(curl_socket_t socket, int events) {
    int running = 0;
    CURLMcode rc = curl_multi_socket_action(multi_.get(), socket, events, &running);
    if (rc != CURLM_OK)
      throw std::runtime_error(std::string("curl_multi_socket_action: ") + curl_multi_strerror(rc));
  }

  // Lets curl start added transfers and enforce its timeouts.
  void runExpiredCurlTimers() {
    if (!curlTimerArmed_ || Clock::now() < curlDeadline_) return;
    curlTimerArmed_ = false;  // the callback re-arms it during the call if needed
    socketAction(CURL_SOCKET_TIMEOUT, 0);
  }

  // Sleeps in epoll_wait until `wake`, a curl timeout or socket activity, then hands every ready
  // socket to curl. The timerfd makes the wake-up precise: epoll_wait alone rounds up to 1 ms.
  void waitAndDispatch(Clock::time_point now, Clock::time_point wake) {
    if (curlTimerArmed_) wake = std::min(wake, curlDeadline_);
    if (wake > now && wake < now + kMaxSleep) timer_.armAt(wake);
    auto waitMs = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    int timeoutMs = static_cast<int>(std::clamp<long long>(waitMs, 0, kMaxSleep.count()));
    int ready =
        epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()), timeoutMs);
    for (int i = 0; i < ready; ++i) {
      const epoll_event& event = events_[static_cast<size_t>(i)];
      if (event.data.fd == timer_.fd()) continue;  // it only had to wake us
      int mask = ((event.events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                 ((event.events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                 ((event.events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
      socketAction(event.data.fd, mask);
    }
  }

  void launch(Transfer& transfer, Clock::time_point due, Clock::time_point now, bool warmUp) {
    transfer.due = due;
    transfer.sent = now;
    transfer.bodyBytes = 0;
    transfer.warmUp = warmUp;
    CURLMcode rc = curl_multi_add_handle(multi_.get(), transfer.easy.get());
    if (rc != CURLM_OK)
      throw std::runtime_error(std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc));
  }

  // One request per connection, concurrently, so every connection is open before timing
  // starts. Returns false when cancelled meanwhile.
  bool warmUp() {
    Clock::time_point now = Clock::now();
    for (Transfer* transfer : idle_) launch(*transfer, now, now, true);
    idle_.clear();
    while (true) {
      runExpiredCurlTimers();
      collectCompleted();
      if (idle_.size() == transfers_.size()) break;
      if (cancelled_ && cancelled_()) return false;
      now = Clock::now();
      waitAndDispatch(now, now + kMaxSleep);
    }
    return true;
  }

  // Starts every request that is due and has an idle connection. Returns whether it started any.
  bool startDueSends(Clock::time_point now) {
    bool started = false;
    while (!schedule_.done() && !idle_.empty()) {
      const SendSchedule::Next next = schedule_.next(now);
      if (next.decision == SendSchedule::Decision::kDone) {
        result_.unsent = schedule_.unsent();
        break;
      }
      if (next.decision == SendSchedule::Decision::kNotYet) break;
      if (spec_.qps > 0) {
        if (next.lag > kLateSendThreshold) ++result_.lateSends;
        result_.maxLag = std::max(result_.maxLag, next.lag);
      }
      Transfer* transfer = idle_.back();
      idle_.pop_back();
      launch(*transfer, next.due, now, false);
      started = true;
    }
    return started;
  }

  // Turns every finished transfer into a sample and returns its handle to the idle list.
  void collectCompleted() {
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
      result_.socketCount += static_cast<int>(connects);
      Sample sample{0, 0, -1, transfer.bodyBytes};
      if (outcome == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (status > 0) sample.code = static_cast<int>(status);
      } else {
        long osErrno = 0;
        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &osErrno);
        sample.error = classifyCurlResult(outcome, osErrno);
      }
      if (sample.code < 0 && sample.error == TransportError::kNone) {
        sample.error = TransportError::kOther;  // CURLE_OK without a status line
      }
      curl_off_t totalMicros = 0;
      curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &totalMicros);
      sample.latencySeconds = static_cast<double>(totalMicros) / 1e6;
      // wrk2's correction: add the time the request waited past its due time.
      sample.correctedLatencySeconds =
          sample.latencySeconds +
          std::chrono::duration<double>(transfer.sent - transfer.due).count();
      curl_multi_remove_handle(multi_.get(), easy);
      idle_.push_back(&transfer);
      if (transfer.warmUp) continue;
      ++result_.requests;
      if (sample.code < 0 || sample.code >= 400) ++errors_;
      observer_.onSample(sample);
    }
  }

  // Sleeps until socket activity, a curl timeout, the next send, the next progress report, the
  // end of a max-rate run or kMaxSleep, whichever comes first.
  void waitForWork(Clock::time_point now) {
    Clock::time_point wake = std::min(now + kMaxSleep, nextProgress_);
    if (!schedule_.done() && !idle_.empty()) wake = std::min(wake, schedule_.wakeTime());
    waitAndDispatch(now, wake);
  }

  void reportProgress(Clock::time_point now) {
    if (!progress_) return;
    Progress report;
    report.sent = schedule_.sent();
    report.completed = result_.requests;
    report.errors = errors_;
    report.elapsed = std::chrono::duration_cast<nanoseconds>(now - start_);
    progress_(report);
  }

  const LoadSpec& spec_;
  SampleObserver& observer_;
  const std::function<bool()>& cancelled_;
  const std::function<void(const Progress&)>& progress_;
  const std::string body_;
  MultiPtr multi_;
  FileDescriptor epoll_;
  WakeTimer timer_;
  std::vector<epoll_event> events_;
  bool curlTimerArmed_ = false;
  Clock::time_point curlDeadline_{};
  SlistPtr headers_;
  std::vector<Transfer> transfers_;
  std::vector<Transfer*> idle_;
  LoadResult result_;
  uint64_t errors_ = 0;
  SendSchedule schedule_;
  Clock::time_point start_{};
  Clock::time_point nextProgress_{};
  Clock::time_point nextCancelCheck_{};
};

}  // namespace

const char* loadEngineName(LoadEngine engine) {
  switch (engine) {
    case LoadEngine::kFast:
      return "fast";
    case LoadEngine::kCurl:
      return "curl";
    case LoadEngine::kAuto:
      break;
  }
  return "auto";
}

LoadResult runLoad(const LoadSpec& spec, SampleObserver& observer,
                   const std::function<bool()>& cancelled,
                   const std::function<void(const Progress&)>& progress) {
  http::initCurlOnce();  // curl_url needs it too
  validateSpec(spec);
  LoadRun run(spec, observer, cancelled, progress);
  LoadResult result = run.run();
  result.engine = LoadEngine::kCurl;
  return result;
}

}  // namespace iter8::metrics
