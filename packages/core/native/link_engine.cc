// The link engine (see link_engine.h). Per frame, all in libuv callbacks on
// the JS thread but without entering JavaScript:
//   source fd readable → dequeue every ready frame (an older frame still
//   waiting for the sink is given back: dropped) → submit to the sink when
//   it has room → sink fd readable → collect completions → the buffer the
//   sink let go of goes back to the source.
// Stop: the source stops (every slot it holds is its own again), the sink's
// submissions in flight are waited for (at most a second), then JS hears
// 'end' once, with why.
#include "link_engine.h"

#include <errno.h>
#include <time.h>

#include <algorithm>
#include <cstring>

// Stops the link, once the completions at hand are counted, when it has shown what it was asked to.
struct LinkEngine::LimitCheck {
  LinkEngine* e;
  explicit LimitCheck(LinkEngine* engine) : e(engine) {}
  ~LimitCheck() {
    if (e->limit_ > 0 && e->shown_ >= e->limit_ && e->state_ == kRunning) e->Stop(0, 0, kOpStop);
  }
};

namespace {
constexpr uint32_t kLatencyRing = 4096;
constexpr int kMaxDone = 16;
constexpr uint64_t kStopWaitMs = 1000;

uv_loop_t* LoopOf(Napi::Env env) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  return loop;
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
  if (cleanup_hook_) napi_remove_env_cleanup_hook(env_, Cleanup, this);
  if (context_ != nullptr && !env_gone_) napi_async_destroy(env_, context_);
}

uint64_t LinkEngine::Now() const {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

int LinkEngine::Start() {
  if (state_ != kIdle) return -EBUSY;
  uv_loop_t* loop = LoopOf(env_);
  if (loop == nullptr) return -EIO;
  int r = sink_->start ? sink_->start(sink_) : 0;
  if (r < 0) return r;
  r = source_->start(source_);
  if (r < 0) {
    if (sink_->stop) sink_->stop(sink_);
    return r;
  }
  started_ns_ = Now();
  state_ = kRunning;
  source_watch_ = WatchPort(loop, source_, OnSource);
  sink_watch_ = WatchPort(loop, sink_, OnSink);
  if ((source_->fd >= 0 && source_watch_ == nullptr) || (sink_->fd >= 0 && sink_watch_ == nullptr)) {
    Stop(-EIO, 0, kOpPoll);
    return 0;  // 'end' reports it
  }
  TrySubmit();  // an always-ready source starts at once
  return 0;
}

// The engine watches its own dup of the port's fd through the toolkit's
// watcher (closed with the watch): the driver's JS side may still watch the
// original (a borrowed FdWatcher), and two polls of one fd number cannot
// share the loop's epoll set.
dmabuf::Watch* LinkEngine::WatchPort(uv_loop_t* loop, dmabuf_port* p, dmabuf::Watch::Callback cb) {
  if (p->fd < 0) return nullptr;
  int err = 0;
  dmabuf::Watch* w = dmabuf::Watch::Open(loop, p->fd, &err);
  if (w == nullptr) return nullptr;
  open_handles_++;
  if (w->Start(p->events, cb, this) < 0) {
    w->Close(OnWatchClosed, this);
    return nullptr;
  }
  return w;
}

void LinkEngine::OnSource(dmabuf::Watch*, int result, void* self) {
  static_cast<LinkEngine*>(self)->SourceReady(result);
}

void LinkEngine::OnSink(dmabuf::Watch*, int result, void* self) { static_cast<LinkEngine*>(self)->SinkReady(result); }

namespace {
// A wakeup that says the device failed or went away (a libuv error, POLLERR, POLLHUP).
bool Broken(int result) { return result < 0 || (result & (dmabuf::kError | dmabuf::kHangup)) != 0; }
}  // namespace

void LinkEngine::SourceReady(int result) {
  if (state_ != kRunning) return;
  for (;;) {
    dmabuf_frame f;
    int r = source_->dequeue(source_, &f);
    if (r == -EAGAIN) break;
    if (r < 0) return Stop(r, 1, kOpDequeue);
    Took(f);
    if (state_ != kRunning) return;
  }
  if (Broken(result)) {
    int h = source_->health ? source_->health(source_) : -EIO;
    if (h != 0) return Stop(h < 0 ? h : -EIO, 1, kOpPoll);
    source_watch_->Stop();  // nothing to wait for until a requeue (GiveBack)
    source_quiet_ = true;
  }
  TrySubmit();
}

void LinkEngine::Took(const dmabuf_frame& f) {
  if (f.slot >= slots_.size() || slots_[f.slot] != kAtSource) return Stop(-EIO, 1, kOpDequeue);
  if ((f.flags & DMABUF_FRAME_ERROR) != 0) {
    errors_++;
    slots_[f.slot] = kPending;
    return GiveBack(f.slot);
  }
  frames_++;
  if (last_seq_ >= 0 && static_cast<int64_t>(f.sequence) > last_seq_ + 1)
    skipped_ += static_cast<double>(static_cast<int64_t>(f.sequence) - last_seq_ - 1);
  if (first_seq_ < 0) first_seq_ = f.sequence;
  // a sequence number not after the last one: counted, and the span kept (frames = span - skipped + repeated)
  if (last_seq_ >= 0 && static_cast<int64_t>(f.sequence) <= last_seq_) repeated_++;
  else last_seq_ = f.sequence;
  captured_[f.slot] = f.time_ns;
  sequence_[f.slot] = f.sequence;
  slots_[f.slot] = kPending;
  if (tap_every_ > 0 && tap_held_ == 0 && static_cast<uint64_t>(frames_) % tap_every_ == 0) tap_mark_[f.slot] = 1;
  if (pending_ >= 0) {
    // the sink is busy and a newer frame came: the older one goes back unshown (as a kmssink
    // with sync=false would drop it), keeping the screen as close to the camera as it can be
    dropped_++;
    uint32_t old = static_cast<uint32_t>(pending_);
    tap_mark_[old] = 0;
    pending_ = static_cast<int>(f.slot);
    GiveBack(old);
    return;
  }
  pending_ = static_cast<int>(f.slot);
  TrySubmit();
}

void LinkEngine::TrySubmit() {
  while (state_ == kRunning) {
    if (pending_ < 0 && source_->fd < 0) {
      dmabuf_frame f;
      int r = source_->dequeue(source_, &f);
      if (r == -EAGAIN) return;
      if (r < 0) return Stop(r, 1, kOpDequeue);
      Took(f);
      continue;  // Took() submitted it, or left it pending
    }
    if (pending_ < 0 || in_flight_ >= sink_->max_in_flight) return;
    uint32_t slot = static_cast<uint32_t>(pending_);
    int32_t target = sink_->slots > 0 ? map_[slot] : static_cast<int32_t>(slot);
    if (target < 0) {
      pending_ = -1;
      dropped_++;
      GiveBack(slot);
      continue;
    }
    pending_ = -1;
    slots_[slot] = kAtSink;
    in_flight_++;
    dmabuf_done done[kMaxDone];
    int n = sink_->submit(sink_, static_cast<uint32_t>(target), done, kMaxDone);
    if (n == -EBUSY) {
      // the sink cannot take it now: keep it for the next completion
      in_flight_--;
      slots_[slot] = kPending;
      pending_ = static_cast<int>(slot);
      return;
    }
    if (n < 0) {
      in_flight_--;
      slots_[slot] = kPending;
      GiveBack(slot);
      return Stop(n, 2, kOpSubmit);
    }
    if (sink_quiet_) {
      sink_quiet_ = false;
      if (sink_watch_->Start(sink_->events, OnSink, this) < 0) return Stop(-EIO, 2, kOpPoll);
    }
    if (n > 0) Completed(done, n);
    if (sink_->fd >= 0) return;  // completion comes through the sink's fd
  }
}

void LinkEngine::SinkReady(int result) {
  if (state_ != kRunning && state_ != kStopping) return;
  dmabuf_done done[kMaxDone];
  for (;;) {
    int n = sink_->collect(sink_, done, kMaxDone);
    if (n < 0) {
      if (state_ == kStopping) return Finish();
      return Stop(n, 2, kOpCollect);
    }
    if (n == 0) break;
    Completed(done, n);
    if (n < kMaxDone) break;
  }
  if (state_ == kStopping) {
    if (in_flight_ == 0) Finish();
    return;
  }
  if (Broken(result)) {
    int h = sink_->health ? sink_->health(sink_) : -EIO;
    if (h != 0) return Stop(h < 0 ? h : -EIO, 2, kOpPoll);
    sink_watch_->Stop();  // nothing to wait for until a submit (TrySubmit)
    sink_quiet_ = true;
  }
  TrySubmit();
}

void LinkEngine::Completed(const dmabuf_done* d, int n) {
  LimitCheck check(this);
  for (int i = 0; i < n; i++) {
    const dmabuf_done& e = d[i];
    if (e.shown >= 0) {
      if (in_flight_ > 0) in_flight_--;
      shown_++;
      uint64_t t = e.time_ns != 0 ? e.time_ns : Now();
      if (first_shown_ns_ == 0) first_shown_ns_ = t;
      last_shown_ns_ = t;
      int32_t src = unmap_.empty() ? e.shown : (static_cast<uint32_t>(e.shown) < unmap_.size() ? unmap_[e.shown] : -1);
      if (src >= 0 && captured_[src] != 0 && t > captured_[src]) {
        latency_us_[latency_at_] = static_cast<uint32_t>(std::min<uint64_t>((t - captured_[src]) / 1000, UINT32_MAX));
        latency_at_ = (latency_at_ + 1) % kLatencyRing;
        if (latency_n_ < kLatencyRing) latency_n_++;
      }
      if (batch_every_ > 0 && static_cast<uint64_t>(shown_) % batch_every_ == 0) Emit(1, shown_, frames_, dropped_);
    }
    if (e.released >= 0) {
      int32_t src =
          unmap_.empty() ? e.released : (static_cast<uint32_t>(e.released) < unmap_.size() ? unmap_[e.released] : -1);
      if (src < 0 || slots_[src] != kAtSink) continue;
      if (state_ == kRunning && tap_mark_[src] != 0) {
        tap_mark_[src] = 0;
        slots_[src] = kTapHeld;
        tap_held_++;
        tapped_++;
        Emit(2, src, sequence_[src], 0);
        continue;
      }
      GiveBack(static_cast<uint32_t>(src));
    }
  }
}

void LinkEngine::GiveBack(uint32_t slot) {
  if (state_ != kRunning) {
    slots_[slot] = kAtSource;  // the source's stop() takes every slot back
    return;
  }
  slots_[slot] = kAtSource;
  int r = source_->requeue(source_, slot);
  if (r < 0) return Stop(r, 1, kOpRequeue);
  if (source_quiet_) {
    source_quiet_ = false;
    if (source_watch_->Start(source_->events, OnSource, this) < 0) Stop(-EIO, 1, kOpPoll);
  }
}

int LinkEngine::TapRelease(uint32_t slot) {
  if (slot >= slots_.size() || slots_[slot] != kTapHeld) return -EINVAL;
  tap_held_--;
  GiveBack(slot);
  return 0;
}

void LinkEngine::Stop(int err, int side, int op) {
  if (state_ == kStopping || state_ == kEnded) return;
  if (state_ == kIdle) {
    // never started (or its start failed): JS ends the link itself
    state_ = kEnded;
    source_->linked = 0;
    sink_->linked = 0;
    return;
  }
  end_errno_ = err;
  end_side_ = side;
  end_op_ = op;
  state_ = kStopping;
  if (source_watch_ != nullptr) source_watch_->Stop();
  int r = source_->stop(source_);
  if (r < 0 && end_errno_ == 0 && r != -ENODEV) {
    end_errno_ = r;
    end_side_ = 1;
    end_op_ = kOpStop;
  }
  pending_ = -1;
  for (auto& s : slots_)
    if (s != kAtSink) s = kAtSource;
  tap_held_ = 0;
  if (in_flight_ == 0 || sink_watch_ == nullptr || (err == -ENODEV && side == 2)) return Finish();
  timer_ = new uv_timer_t;
  uv_timer_init(LoopOf(env_), timer_);
  timer_->data = this;
  open_handles_++;
  uv_timer_start(timer_, OnTimeout, kStopWaitMs, 0);
}

void LinkEngine::OnTimeout(uv_timer_t* t) { static_cast<LinkEngine*>(t->data)->Finish(); }

void LinkEngine::Finish() {
  if (state_ == kEnded) return;
  state_ = kEnded;
  if (sink_->stop) sink_->stop(sink_);
  for (auto& s : slots_) s = kAtSource;
  in_flight_ = 0;
  source_->linked = 0;
  sink_->linked = 0;
  CloseHandles();
  // 'end' once the watches' fds are closed too, so that JS sees every fd back when the link has ended
  if (open_handles_ == 0) Emit(0, end_errno_, end_side_, end_op_);
  else end_pending_ = true;
}

void LinkEngine::CloseHandles() {
  if (source_watch_ != nullptr) source_watch_->Close(OnWatchClosed, this);
  if (sink_watch_ != nullptr) sink_watch_->Close(OnWatchClosed, this);
  if (timer_ != nullptr && !uv_is_closing(reinterpret_cast<uv_handle_t*>(timer_)))
    uv_close(reinterpret_cast<uv_handle_t*>(timer_), OnTimerClosed);
  source_watch_ = nullptr;
  sink_watch_ = nullptr;
  timer_ = nullptr;
}

void LinkEngine::OnTimerClosed(uv_handle_t* h) {
  auto* self = static_cast<LinkEngine*>(h->data);
  delete reinterpret_cast<uv_timer_t*>(h);
  self->HandleClosed();
}

void LinkEngine::OnWatchClosed(void* self) { static_cast<LinkEngine*>(self)->HandleClosed(); }

void LinkEngine::HandleClosed() {
  open_handles_--;
  if (open_handles_ > 0) return;
  if (end_pending_) {
    end_pending_ = false;
    Emit(0, end_errno_, end_side_, end_op_);
  }
  if (disposed_) delete this;
}

void LinkEngine::Emit(int kind, double a, double b, double c) {
  if (env_gone_ || on_event_.IsEmpty()) return;
  Napi::HandleScope scope(env_);
  napi_value argv[] = {Napi::Number::New(env_, kind), Napi::Number::New(env_, a), Napi::Number::New(env_, b),
                       Napi::Number::New(env_, c)};
  napi_value result;
  napi_value recv = env_.Global();  // MakeCallback needs an object as `this`
  napi_status s = napi_make_callback(env_, context_, recv, on_event_.Value(), 4, argv, &result);
  if (s == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env_, &err);
    napi_fatal_exception(env_, err);
  }
}

void LinkEngine::Dispose() {
  disposed_ = true;
  if (state_ == kRunning || state_ == kStopping) {
    // JS dropped a running link (process exit): stop without telling anyone
    on_event_.Reset();
    if (state_ == kRunning) Stop(0, 0, kOpStop);
    if (state_ != kEnded) Finish();
  }
  CloseHandles();
  if (open_handles_ == 0) delete this;
}

void LinkEngine::Cleanup(void* arg) {
  auto* self = static_cast<LinkEngine*>(arg);
  self->cleanup_hook_ = false;
  self->on_event_.Reset();
  if (self->state_ == kRunning) {
    self->source_->stop(self->source_);
    if (self->sink_->stop) self->sink_->stop(self->sink_);
    self->state_ = kEnded;
  }
  self->CloseHandles();
}
