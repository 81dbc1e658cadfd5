// The one readiness watcher of dmabuf-js: a uv_poll_t on the loop of the
// calling environment, on a duplicate of the caller's fd (so the caller may
// close its fd at any time, and two watches of one fd never share an epoll
// registration). Never blocks the JS thread, never needs a thread.
//
// A C++ class for native code (core's poll/watcher bindings are built on it,
// and a native link can use it directly with a callback):
//
//   int err;
//   dmabuf::Watch* w = dmabuf::Watch::Open(loop, fd, &err);   // nullptr: err is -errno
//   w->Start(dmabuf::kReadable, OnReady, self);               // OnReady(w, bits or -errno, self)
//   ...
//   w->Close();   // stops now, closes the duplicate now, frees after libuv's close callback
//
// The callback runs on the loop thread each time the fd is ready for the
// events started, until Stop() or Close(). Its result is readiness bits
// (kReadable, kWritable, kError, kHangup, kPriority) or a libuv error
// (-errno). Like every uv_poll_t, libuv puts the file description in
// O_NONBLOCK mode. A libuv error other than POLLERR stops the watch.
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <uv.h>

namespace dmabuf {

// Readiness bits (core's pollBits in JS).
constexpr int kReadable = 1;   // POLLIN
constexpr int kWritable = 2;   // POLLOUT
constexpr int kError = 4;      // POLLERR
constexpr int kHangup = 8;     // POLLHUP / POLLRDHUP
constexpr int kPriority = 16;  // POLLPRI (V4L2 events)
constexpr int kWatchable = kReadable | kWritable | kPriority;

// What fd says right now (poll with a zero timeout): the exact bits where
// libuv folds POLLERR/POLLHUP into its own status.
inline int CurrentBits(int fd, int events) {
  short want = POLLRDHUP;
  if (events & kReadable) want |= POLLIN;
  if (events & kWritable) want |= POLLOUT;
  if (events & kPriority) want |= POLLPRI;
  struct pollfd p = {fd, want, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, 0);
  } while (rc < 0 && errno == EINTR);
  if (rc <= 0) return 0;
  int bits = 0;
  if (p.revents & POLLIN) bits |= kReadable;
  if (p.revents & POLLOUT) bits |= kWritable;
  if (p.revents & POLLPRI) bits |= kPriority;
  if (p.revents & (POLLERR | POLLNVAL)) bits |= kError;
  if (p.revents & (POLLHUP | POLLRDHUP)) bits |= kHangup;
  return bits;
}

class Watch {
 public:
  // result: readiness bits or -errno. data: what Start() was given.
  using Callback = void (*)(Watch* watch, int result, void* data);
  using Closed = void (*)(void* data);

  // A watch of a duplicate of fd on loop, not started; nullptr with *err =
  // -errno when fd cannot be duplicated or polled (EPERM: a regular file).
  // duplicate false: watch fd itself (no extra fd; one watch per fd, and
  // the caller closes the watch before it closes fd).
  static Watch* Open(uv_loop_t* loop, int fd, int* err, bool duplicate = true) {
    int dupFd = duplicate ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : fd;
    if (dupFd < 0) {
      *err = -errno;
      return nullptr;
    }
    Watch* w = new Watch();
    int rc = uv_poll_init(loop, &w->poll_, dupFd);
    if (rc < 0) {
      if (duplicate) close(dupFd);
      delete w;
      *err = rc;  // libuv errors are -errno on Unix
      return nullptr;
    }
    w->fd_ = dupFd;
    w->owned_ = duplicate;
    w->poll_.data = w;
    return w;
  }

  // Watch for `events` (kReadable | kWritable | kPriority; hang-ups and
  // errors always end a wait) and call cb each time. exact: ask the fd for
  // the exact bits on each wakeup (one poll syscall) instead of libuv's.
  // Calling it again changes the events (no syscall if they are the same).
  // 0 or -errno.
  int Start(int events, Callback cb, void* data, bool exact = false) {
    if (closing_) return -EBADF;
    cb_ = cb;
    data_ = data;
    exact_ = exact;
    events &= kWatchable;
    if (started_ && events == events_) return 0;
    int uvEvents = UV_DISCONNECT;
    if (events & kReadable) uvEvents |= UV_READABLE;
    if (events & kWritable) uvEvents |= UV_WRITABLE;
    if (events & kPriority) uvEvents |= UV_PRIORITIZED;
    int rc = uv_poll_start(&poll_, uvEvents, OnPoll);
    if (rc < 0) return rc;
    started_ = true;
    events_ = events;
    return 0;
  }

  // Leave the loop's epoll set until the next Start().
  void Stop() {
    if (!started_) return;
    uv_poll_stop(&poll_);
    started_ = false;
  }

  // Whether this watch alone keeps the loop alive (libuv's default: yes).
  void Ref(bool keepAlive) {
    uv_handle_t* h = reinterpret_cast<uv_handle_t*>(&poll_);
    if (keepAlive) uv_ref(h);
    else uv_unref(h);
  }

  // Stop, close the duplicate now (if it is one), and free the watch once libuv has closed
  // its handle (then onClosed(data) runs, if given). The callback is never
  // called again. Safe to call from the callback itself.
  void Close(Closed onClosed = nullptr, void* data = nullptr) {
    if (closing_) return;
    closing_ = true;
    Stop();
    if (owned_) close(fd_);
    fd_ = -1;
    onClosed_ = onClosed;
    closedData_ = data;
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), OnHandleClosed);
  }

  int fd() const { return fd_; }  // the fd watched (-1 once closed)
  int events() const { return events_; }
  bool started() const { return started_; }
  bool closing() const { return closing_; }

 private:
  Watch() = default;
  ~Watch() = default;
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  static void OnHandleClosed(uv_handle_t* h) {
    Watch* w = static_cast<Watch*>(h->data);
    if (w->onClosed_) w->onClosed_(w->closedData_);
    delete w;
  }

  // A wakeup as bits, or a libuv error (-errno).
  int ResultOf(int status, int uvEvents) {
    int bits = exact_ ? CurrentBits(fd_, events_) : 0;
    if (status == UV_EBADF) bits |= kError;  // libuv reports POLLERR as EBADF (and stops)
    else if (status < 0 && bits == 0) return status;
    if (uvEvents & UV_READABLE) bits |= kReadable;
    if (uvEvents & UV_WRITABLE) bits |= kWritable;
    if (uvEvents & UV_PRIORITIZED) bits |= kPriority;
    if (uvEvents & UV_DISCONNECT) bits |= kHangup;
    return bits;
  }

  static void OnPoll(uv_poll_t* h, int status, int uvEvents) {
    Watch* w = static_cast<Watch*>(h->data);
    if (w->closing_) return;
    if (status < 0) w->Stop();  // libuv has stopped the handle already on POLLERR
    int result = w->ResultOf(status, uvEvents);
    if (w->cb_) w->cb_(w, result, w->data_);
  }

  uv_poll_t poll_;
  int fd_ = -1;
  int events_ = 0;
  bool started_ = false;
  bool closing_ = false;
  bool exact_ = false;
  bool owned_ = true;  // fd_ is our duplicate
  Callback cb_ = nullptr;
  void* data_ = nullptr;
  Closed onClosed_ = nullptr;
  void* closedData_ = nullptr;
};

}  // namespace dmabuf
