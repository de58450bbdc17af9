#include "lib/process/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace iter8 {
namespace {

using Clock = Subprocess::Clock;

// Without pidfd (kernels before 5.3, or a seccomp filter that refuses it) the exit is noticed
// by a waitpid at this interval.
constexpr int kFallbackWaitMs = 5;
constexpr size_t kChunk = 64 * 1024;

int openPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Milliseconds to `when`, rounded up so that a wait never ends just before its deadline.
int millisUntil(Clock::time_point when) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(when - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 24LL * 3600 * 1000));
}

// The child's end of one standard stream (numbered 3 or above, so that duplicating it onto
// 0, 1 or 2 never overwrites another stream's source) and, for a pipe, this process's end.
// 0 or an errno.
int openStream(int mode, bool input, int& childEnd, int& parentEnd) {
  if (mode == kInheritStream) return 0;
  int fd = mode;
  if (mode == kPipeStream) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) return errno;
    parentEnd = input ? ends[1] : ends[0];
    fd = input ? ends[0] : ends[1];
    // Reads and writes here must never block: one poll serves all pipes and the exit.
    ::fcntl(parentEnd, F_SETFL, O_NONBLOCK);
  } else if (mode == kNullStream) {
    fd = ::open("/dev/null", (input ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
    if (fd < 0) return errno;
  }
  childEnd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  const int error = childEnd < 0 ? errno : 0;
  if (fd != mode) ::close(fd);  // ours (a pipe end, /dev/null); the caller's stays open
  return error;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (const auto& s : strings) result.push_back(const_cast<char*>(s.c_str()));
  result.push_back(nullptr);
  return result;
}

// posix_spawnp rather than fork + exec by hand: glibc runs the child on its own stack with all
// signals blocked, resets caught signals to their default before it unblocks them, and returns
// a failed exec's errno. Only system calls run between the fork and the exec, which a
// multi-threaded process (the handler, a test with servers) requires.
int spawn(const SubprocessOptions& options, const int childFds[3], pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!options.workingDir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.workingDir.c_str());
  }
  for (int stream = 0; stream < 3; ++stream) {
    if (childFds[stream] >= 0) posix_spawn_file_actions_adddup2(&actions, childFds[stream], stream);
  }
  // No other descriptor of this process reaches the child, close-on-exec or not.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, pipeOnly;
  sigemptyset(&none);
  sigemptyset(&pipeOnly);
  sigaddset(&pipeOnly, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  // SIGPIPE at its default as a shell gives it, even if this process ignores it.
  posix_spawnattr_setsigdefault(&attributes, &pipeOnly);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options.newProcessGroup) {
    posix_spawnattr_setpgroup(&attributes, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attributes, flags);
  std::vector<char*> argv = pointers(options.argv);
  std::vector<char*> envp = options.env ? pointers(*options.env) : std::vector<char*>{};
  const int error = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(),
                                   options.env ? envp.data() : environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return error;
}

// A child that exits without reading all its input must not end this process with SIGPIPE:
// the signal is blocked in this thread for the write and, when the write raised it, taken back.
ssize_t writeWithoutSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipeOnly, old, pendingBefore;
  sigemptyset(&pipeOnly);
  sigaddset(&pipeOnly, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipeOnly, &old);
  ::sigpending(&pendingBefore);
  const ssize_t n = ::write(fd, data, size);
  const int error = errno;
  if (n < 0 && error == EPIPE && !sigismember(&pendingBefore, SIGPIPE)) {
    const timespec zero{0, 0};
    while (::sigtimedwait(&pipeOnly, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = error;
  return n;
}

// Keeps at most `cap` bytes once trimmed; trimming only past twice the cap keeps appends
// amortised O(1) when the child writes a few bytes at a time.
void keep(SubprocessOutput& output, const char* data, size_t size, size_t cap) {
  output.tail.append(data, size);
  if (cap > 0 && output.tail.size() > 2 * cap) {
    const size_t drop = output.tail.size() - cap;
    output.tail.erase(0, drop);
    output.dropped += drop;
  }
}

void trim(SubprocessOutput& output, size_t cap) {
  if (cap == 0 || output.tail.size() <= cap) return;
  const size_t drop = output.tail.size() - cap;
  output.tail.erase(0, drop);
  output.dropped += drop;
}

// Owns the child's ends of its streams until the spawn is done with them.
struct ChildEnds {
  int fds[3] = {-1, -1, -1};
  ~ChildEnds() {
    for (int& fd : fds) closeFd(fd);
  }
};

}  // namespace

Subprocess::~Subprocess() {
  if (!exited_) kill();  // an exited child's group is left alone, as its callers left it
  closeAll();
}

int Subprocess::fail(int error, const std::string& what) {
  startError_ = what + ": " + std::strerror(error);
  return error;
}

int Subprocess::start(const SubprocessOptions& options) {
  if (pid_ > 0) return fail(EBUSY, "this Subprocess already has a child");  // one per object
  if (options.argv.empty() || options.argv[0].empty()) return fail(EINVAL, "no program to run");
  if (!options.workingDir.empty()) {
    // Checked here so that the one errno posix_spawn returns is about the program.
    struct stat info {};
    int error = ::stat(options.workingDir.c_str(), &info) != 0 ? errno
                : S_ISDIR(info.st_mode)                        ? 0
                                                               : ENOTDIR;
    if (error != 0)
      return fail(error, "cannot use " + options.workingDir + " as working directory");
  }
  ChildEnds child;
  int parentEnds[3] = {-1, -1, -1};
  const int modes[3] = {options.stdinFrom, options.stdoutTo, options.stderrTo};
  for (int stream = 0; stream < 3; ++stream) {
    if (int error = openStream(modes[stream], stream == 0, child.fds[stream], parentEnds[stream])) {
      for (int& fd : parentEnds) closeFd(fd);
      return fail(error, "cannot set up the standard streams of " + options.argv[0]);
    }
  }
  inFd_ = parentEnds[0];
  outFd_ = parentEnds[1];
  errFd_ = parentEnds[2];
  pid_t pid = -1;
  if (int error = spawn(options, child.fds, pid)) {
    closeAll();
    return fail(error, "cannot run " + options.argv[0]);
  }
  pid_ = pid;
  pidfd_ = openPidfd(pid);
  ownGroup_ = options.newProcessGroup;
  cap_ = options.outputCap;
  stdinData_ = options.stdinData;
  if (stdinData_.empty()) closeFd(inFd_);  // end of file at once
  return 0;
}

void Subprocess::adopt(pid_t pid, bool ownGroup, int outFd) {
  pid_ = pid;
  pidfd_ = openPidfd(pid);
  ownGroup_ = ownGroup;
  outFd_ = outFd;
  if (outFd_ >= 0) ::fcntl(outFd_, F_SETFL, ::fcntl(outFd_, F_GETFL) | O_NONBLOCK);
}

bool Subprocess::reap() {
  if (exited_ || pid_ <= 0) return exited_;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == 0 || (done < 0 && errno == EINTR)) return false;
  // done < 0 (ECHILD): reaped elsewhere (SIGCHLD ignored); there is nothing left to wait for.
  exited_ = true;
  status_ = done == pid_ ? status : 0;
  closeFd(pidfd_);
  return true;
}

bool Subprocess::wait(Clock::time_point deadline, int wakeFd) {
  for (;;) {
    if (reap()) return true;
    if (Clock::now() >= deadline) return false;
    int waitMs = millisUntil(deadline);
    if (pidfd_ < 0) waitMs = std::min(waitMs, kFallbackWaitMs);
    if (pollOnce(waitMs, wakeFd, true) < 0) return reap();
  }
}

bool Subprocess::drain(Clock::time_point deadline) {
  // A child that has exited reads no more input; one that has not is not waited for here.
  closeFd(inFd_);
  // Past the deadline, reads go on only for what a full pipe (1 MiB at most) held then, so
  // that a writer that never stops cannot hold us.
  int lateRounds = 16;
  for (;;) {
    if (outFd_ < 0 && errFd_ < 0) return true;
    const int ready = pollOnce(millisUntil(deadline), -1, false);
    if (Clock::now() >= deadline && (ready == 0 || --lateRounds == 0)) return false;
  }
}

bool Subprocess::finish(Clock::time_point deadline) {
  while (!wait(deadline)) {
    if (Clock::now() >= deadline) return false;  // woken by a signal: wait on
  }
  return drain(deadline);
}

// One poll over the exit (when `waiting`), stdin, the output pipes and `wakeFd`, then the I/O
// that is ready. -1 when woken (`wakeFd` readable, a signal), 0 on timeout, else > 0.
int Subprocess::pollOnce(int timeoutMs, int wakeFd, bool waiting) {
  // poll ignores negative descriptors: closed pipes and a missing pidfd need no compaction.
  pollfd fds[5] = {{waiting ? pidfd_ : -1, POLLIN, 0},
                   {waiting ? inFd_ : -1, POLLOUT, 0},
                   {outFd_, POLLIN, 0},
                   {errFd_, POLLIN, 0},
                   {wakeFd, POLLIN, 0}};
  const int ready = ::poll(fds, 5, timeoutMs);
  if (ready < 0) return -1;  // EINTR: a signal handler ran (ENOMEM: let the caller look again)
  if (fds[1].revents != 0) feedStdin();
  if (fds[2].revents != 0) readInto(outFd_, out_);
  if (fds[3].revents != 0) readInto(errFd_, err_);
  return (fds[4].revents & POLLIN) != 0 ? -1 : ready;
}

void Subprocess::feedStdin() {
  const size_t left = stdinData_.size() - stdinWritten_;
  const ssize_t n =
      writeWithoutSigpipe(inFd_, stdinData_.data() + stdinWritten_, std::min(left, kChunk));
  if (n > 0) stdinWritten_ += static_cast<size_t>(n);
  // All written, or the child closed its end (EPIPE): either way the child has all it gets.
  if (stdinWritten_ == stdinData_.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    closeFd(inFd_);
  }
}

void Subprocess::readInto(int& fd, SubprocessOutput& output) {
  char buffer[kChunk];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n > 0) {
    keep(output, buffer, static_cast<size_t>(n), cap_);
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    closeFd(fd);
  }
}

void Subprocess::signal(int sig) const {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

void Subprocess::signalGroup(int sig) const {
  // The group outlives a reaped leader while members remain, and its id is not reused while it
  // does, so a group is signalled even after the child is gone.
  if (pid_ > 0 && ownGroup_) {
    ::kill(-pid_, sig);
  } else {
    signal(sig);
  }
}

void Subprocess::stop(std::chrono::milliseconds grace) {
  signalGroup(SIGTERM);
  const auto killAt = Clock::now() + grace;
  while (!wait(killAt) && Clock::now() < killAt) {
  }
  kill();
}

void Subprocess::kill() {
  if (pid_ <= 0) return;
  signalGroup(SIGKILL);
  while (!wait(Clock::time_point::max())) {
  }
}

const SubprocessOutput& Subprocess::out() const {
  trim(out_, cap_);
  return out_;
}

const SubprocessOutput& Subprocess::err() const {
  trim(err_, cap_);
  return err_;
}

void Subprocess::closeAll() {
  closeFd(pidfd_);
  closeFd(inFd_);
  closeFd(outFd_);
  closeFd(errFd_);
}

}  // namespace iter8
