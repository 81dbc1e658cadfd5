// The link engine's thread and its ties to JavaScript (see link_engine.h).
//
// The thread waits in epoll_wait on the engine's own dups of the ports' fds
// and an eventfd, and handles each wakeup under the engine's lock (the frame
// logic is in link_engine.cc). Nothing of Node's loop runs per frame: the
// loop thread sleeps until an event is posted (batched stats, the tap, the
// end) through one uv_async_t, which also keeps Node alive while the link
// runs. The thread is joined before 'end' reaches JavaScript, when the
// handle is dropped, and when the environment is torn down (process exit, a
// worker ending), so no thread outlives the engine.
#include <dmabuf/watch.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "link_engine.h"

namespace {
uv_loop_t* LoopOf(Napi::Env env) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  return loop;
}

// epoll's events as the toolkit's readiness bits.
int BitsOf(uint32_t ev) {
  int bits = 0;
  if (ev & EPOLLIN) bits |= dmabuf::kReadable;
  if (ev & EPOLLOUT) bits |= dmabuf::kWritable;
  if (ev & EPOLLERR) bits |= dmabuf::kError;
  if (ev & (EPOLLHUP | EPOLLRDHUP)) bits |= dmabuf::kHangup;
  return bits;
}

// fd into the epoll set, waiting for a port's events (hang-ups and errors are always reported).
int AddWatch(int epoll, int fd, int portEvents, uint32_t tag) {
  struct epoll_event ev = {};
  ev.events = EPOLLRDHUP;
  if (portEvents & DMABUF_PORT_READABLE) ev.events |= EPOLLIN;
  if (portEvents & DMABUF_PORT_WRITABLE) ev.events |= EPOLLOUT;
  ev.data.u32 = tag;
  return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

// A dup of a port's fd, non-blocking (the ports' dequeue and collect must never block), in the epoll set.
int WatchDup(int epoll, int fd, int portEvents, uint32_t tag, int* out) {
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (d < 0) return -errno;
  *out = d;
  int fl = fcntl(d, F_GETFL);
  if (fl < 0 || ((fl & O_NONBLOCK) == 0 && fcntl(d, F_SETFL, fl | O_NONBLOCK) < 0)) return -errno;
  return AddWatch(epoll, d, portEvents, tag);
}
}  // namespace

LinkEngine::LinkEngine(Napi::Env env, dmabuf_port* source, dmabuf_port* sink, std::vector<int32_t> map,
                       Napi::Function onEvent, Napi::Value sourceRef, Napi::Value sinkRef)
    : env_(env), source_(source), sink_(sink), map_(std::move(map)) {
  slots_.assign(source->slots, kAtSource);
  captured_.assign(source->slots, 0);
  sequence_.assign(source->slots, 0);
  tap_mark_.assign(source->slots, 0);
  if (sink->slots > 0) {
    unmap_.assign(sink->slots, -1);
    for (size_t i = 0; i < map_.size(); i++)
      if (map_[i] >= 0 && static_cast<uint32_t>(map_[i]) < sink->slots) unmap_[map_[i]] = static_cast<int32_t>(i);
  }
  latency_us_.assign(kLatencyRing, 0);
  events_.reserve(16);
  on_event_ = Napi::Persistent(onEvent);
  source_ref_ = Napi::Persistent(sourceRef);
  sink_ref_ = Napi::Persistent(sinkRef);
  napi_async_init(env, nullptr, Napi::String::New(env, "DmabufLink"), &context_);
  napi_add_env_cleanup_hook(env, Cleanup, this);
  cleanup_hook_ = true;
  source_->linked = 1;
  sink_->linked = 1;
}

LinkEngine::~LinkEngine() {
  CloseFds();
  if (cleanup_hook_) napi_remove_env_cleanup_hook(env_, Cleanup, this);
  if (context_ != nullptr && !env_gone_) napi_async_destroy(env_, context_);
}

int LinkEngine::OpenFds() {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) return -errno;
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_ < 0) return -errno;
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.u32 = kTagWake;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev) < 0) return -errno;
  if (source_->fd >= 0)
    if (int r = WatchDup(epoll_, source_->fd, source_->events, kTagSource, &source_fd_); r < 0) return r;
  if (sink_->fd >= 0)
    if (int r = WatchDup(epoll_, sink_->fd, sink_->events, kTagSink, &sink_fd_); r < 0) return r;
  return 0;
}

void LinkEngine::CloseFds() {
  for (int* fd : {&source_fd_, &sink_fd_, &wake_, &epoll_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

// A port stops being waited for (the source of a stopping link, a quiet port).
void LinkEngine::Unwatch(Tag tag) {
  int fd = tag == kTagSource ? source_fd_ : sink_fd_;
  if (epoll_ >= 0 && fd >= 0) epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
}

// A quiet port is waited for again (it was given a buffer).
int LinkEngine::Rewatch(Tag tag) {
  int fd = tag == kTagSource ? source_fd_ : sink_fd_;
  if (epoll_ < 0 || fd < 0) return 0;
  return AddWatch(epoll_, fd, tag == kTagSource ? source_->events : sink_->events, tag);
}

int LinkEngine::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != kIdle) return -EBUSY;
  uv_loop_t* loop = LoopOf(env_);
  if (loop == nullptr) return -EIO;
  int r = OpenFds();
  if (r < 0) {
    CloseFds();
    return r;
  }
  async_ = new uv_async_t;
  r = uv_async_init(loop, async_, OnAsync);
  if (r < 0) {
    delete async_;
    async_ = nullptr;
    CloseFds();
    return r;
  }
  async_->data = this;
  r = sink_->start ? sink_->start(sink_) : 0;
  if (r >= 0) {
    r = source_->start(source_);
    if (r < 0 && sink_->stop) sink_->stop(sink_);
  }
  if (r >= 0) {
    started_ns_ = Now();
    state_ = kRunning;
    // every signal blocked in the engine's thread (it inherits the mask): they go to Node's threads
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&thread_, nullptr, ThreadMain, this);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (e == 0) {
      thread_started_ = true;
      return 0;
    }
    source_->stop(source_);
    if (sink_->stop) sink_->stop(sink_);
    state_ = kIdle;
    r = -e;
  }
  CloseAsync();
  CloseFds();
  return r;
}

void* LinkEngine::ThreadMain(void* self) {
  pthread_setname_np(pthread_self(), "dmabuf-link");  // as top -H, perf and /proc/<pid>/task name it
  static_cast<LinkEngine*>(self)->Run();
  return nullptr;
}

int LinkEngine::WaitMs() const {
  uint64_t now = Now();
  if (state_ == kRunning) {
    // a sink with work in flight is expected to complete within its limit (CheckProgress)
    if (in_flight_ == 0 || sink_->complete_within_ms == 0) return -1;
    uint64_t by = progress_ns_ + static_cast<uint64_t>(sink_->complete_within_ms) * 1000000ull;
    return now >= by ? 0 : static_cast<int>((by - now + 999999) / 1000000);
  }
  if (state_ != kStopping) return -1;
  return now >= stop_deadline_ns_ ? 0 : static_cast<int>((stop_deadline_ns_ - now + 999999) / 1000000);
}

void LinkEngine::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  TrySubmit();  // an always-ready source starts at once
  struct epoll_event ev[4];
  while (state_ != kEnded) {
    int timeout = WaitMs();
    lock.unlock();
    int n = epoll_wait(epoll_, ev, 4, timeout);
    int err = errno;
    lock.lock();
    if (n < 0) {
      // EINTR: a stop signal and SIGCONT (a debugger, strace -p) end a wait even with every signal blocked
      if (err == EINTR) continue;
      Stop(-err, 0, kOpPoll);
      Finish();
      break;
    }
    for (int i = 0; i < n && state_ != kEnded; i++) {
      Tag tag = static_cast<Tag>(ev[i].data.u32);
      if (tag == kTagWake) {
        uint64_t v;
        if (read(wake_, &v, sizeof v) < 0) v = 0;
      }
      Ready(tag, BitsOf(ev[i].events));
    }
    CheckProgress();
    if (state_ == kStopping && Now() >= stop_deadline_ns_) Finish();
  }
  // every fd of the engine is closed before JS hears 'end' (fd counts are even then)
  CloseFds();
  Emit(0, end_errno_, end_side_, end_op_);
}

void LinkEngine::Wake() {
  uint64_t one = 1;
  if (wake_ >= 0 && write(wake_, &one, sizeof one) < 0) {
    // the counter is full: the thread has a wakeup pending anyway
  }
}

void LinkEngine::Emit(int kind, double a, double b, double c) {
  events_.push_back(Event{kind, a, b, c});
  if (async_ != nullptr) uv_async_send(async_);
}

void LinkEngine::Join() {
  if (!thread_started_) return;
  pthread_join(thread_, nullptr);
  thread_started_ = false;
  // the engine's thread is gone: the ports are free for another link
  source_->linked = 0;
  sink_->linked = 0;
}

void LinkEngine::RequestStop() {
  std::lock_guard<std::mutex> lock(mu_);
  Stop(0, 0, kOpStop);
  Wake();
}

void LinkEngine::StopNow(uint32_t waitMs, int32_t out[3]) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Stop(0, 0, kOpStop);  // a running link's source stops here, on this thread: its fd is open
    if (state_ == kStopping && (sink_->flags & DMABUF_PORT_STOP_RECLAIMS) != 0) {
      Finish();  // the sink's stop() takes back what it has in flight, here, while its fd is open
    } else if (state_ == kStopping) {
      // the thread collects what comes until the deadline, then finishes by itself (Run), calling
      // the sink's stop() while its fd is still open; a completion that never comes (a display
      // gone) is abandoned
      uint64_t by = Now() + static_cast<uint64_t>(waitMs) * 1000000ull;
      if (by < stop_deadline_ns_) stop_deadline_ns_ = by;
    }
    Wake();
  }
  Join();
  std::lock_guard<std::mutex> lock(mu_);
  out[0] = end_errno_;
  out[1] = end_side_;
  out[2] = end_op_;
}

int LinkEngine::TapRelease(uint32_t slot) {
  std::lock_guard<std::mutex> lock(mu_);
  if (slot >= slots_.size() || slots_[slot] != kTapHeld) return -EINVAL;
  tap_held_--;
  GiveBack(slot);
  Wake();  // a source without an fd may have been waiting for this slot
  return 0;
}

void LinkEngine::OnAsync(uv_async_t* h) { static_cast<LinkEngine*>(h->data)->Deliver(); }

// On the loop thread: the events the engine's thread posted, in order, to JavaScript.
void LinkEngine::Deliver() {
  std::vector<Event> got;
  {
    std::lock_guard<std::mutex> lock(mu_);
    got.swap(events_);
    events_.reserve(16);
  }
  for (const Event& e : got) {
    if (e.kind == 0) {
      Join();  // it posted 'end' as its last act
      CloseAsync();
    }
    if (env_gone_ || on_event_.IsEmpty()) continue;
    Napi::HandleScope scope(env_);
    napi_value argv[] = {Napi::Number::New(env_, e.kind), Napi::Number::New(env_, e.a), Napi::Number::New(env_, e.b),
                         Napi::Number::New(env_, e.c)};
    napi_value result;
    napi_value recv = env_.Global();  // MakeCallback needs an object as `this`
    napi_status s = napi_make_callback(env_, context_, recv, on_event_.Value(), 4, argv, &result);
    if (s == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env_, &err);
      napi_fatal_exception(env_, err);
    }
  }
}

void LinkEngine::CloseAsync() {
  if (async_ == nullptr || uv_is_closing(reinterpret_cast<uv_handle_t*>(async_))) return;
  uv_close(reinterpret_cast<uv_handle_t*>(async_), OnAsyncClosed);
}

void LinkEngine::OnAsyncClosed(uv_handle_t* h) {
  auto* self = static_cast<LinkEngine*>(h->data);
  delete reinterpret_cast<uv_async_t*>(h);
  self->async_ = nullptr;
  if (self->disposed_) delete self;
}

// Stop a running link without telling anyone, and wait for its thread.
void LinkEngine::Quiet() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == kRunning) Stop(0, 0, kOpStop);
    if (state_ == kStopping) Finish();
    Wake();
  }
  Join();
}

void LinkEngine::Dispose() {
  disposed_ = true;
  on_event_.Reset();
  Quiet();
  if (async_ != nullptr) CloseAsync();  // deleted once libuv has closed it
  else delete this;
}

void LinkEngine::Cleanup(void* arg) {
  auto* self = static_cast<LinkEngine*>(arg);
  self->cleanup_hook_ = false;
  self->env_gone_ = true;
  self->on_event_.Reset();
  self->Quiet();
  self->CloseAsync();
}
