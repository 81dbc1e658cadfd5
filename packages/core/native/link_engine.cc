// The link engine's frames (see link_engine.h), on its own thread, under
// its lock, without entering JavaScript:
//   source fd readable → dequeue a frame (an older frame still waiting for
//   the sink is given back: dropped) → submit to the sink when it has room →
//   sink fd readable → collect completions → the buffer the sink let go of
//   goes back to the source.
// One dequeue per wakeup: epoll is level-triggered, so a second ready frame
// wakes the thread again at once, and the common case (one frame per
// wakeup) costs no DQBUF that says EAGAIN.
// A sink whose completions only release buffers (DMABUF_PORT_COLLECT_LATER: a KMS plane's flip
// events) is left out of the epoll set while the source holds two buffers or more: its
// completions are read when the source's next frame wakes the thread, one wakeup per frame
// instead of two (the flip's own timestamp still times it). A frame that finds the sink busy
// puts the sink's fd back in the set, as does a stop.
// Stop: the source stops (every slot it holds is its own again), the sink's
// submissions in flight are waited for (at most a second), then JS hears
// 'end' once, with why.
#include "link_engine.h"

#include <dmabuf/watch.h>
#include <errno.h>

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
constexpr int kMaxDone = 16;
constexpr uint64_t kStopWaitNs = 1000000000ull;
// A wakeup that says the device failed or went away (POLLERR, POLLHUP).
bool Broken(int bits) { return (bits & (dmabuf::kError | dmabuf::kHangup)) != 0; }
}  // namespace

uint64_t LinkEngine::Now() const { return dmabuf::MonotonicNs(); }

void LinkEngine::Ready(Tag tag, int bits) {
  if (tag == kTagSource) SourceReady(bits);
  else if (tag == kTagSink) SinkReady(bits);
  else TrySubmit();  // woken by the loop thread (a tap released: a slot may be free again)
}

void LinkEngine::SourceReady(int bits) {
  if (state_ != kRunning) return;
  if (sink_later_ && in_flight_ > 0) {
    SinkReady(0);  // what the sink completed since the last frame: its buffers go back first
    if (state_ != kRunning) return;
  }
  dmabuf_frame f;
  int r = source_->dequeue(source_, &f);
  if (r == 0) {
    Took(f);
    TrySubmit();
    return WatchSink();
  }
  if (r != -EAGAIN) return Stop(r, 1, kOpDequeue);
  if (Broken(bits)) {
    int h = source_->health ? source_->health(source_) : -EIO;
    if (h != 0) return Stop(h < 0 ? h : -EIO, 1, kOpPoll);
    Unwatch(kTagSource);  // nothing to wait for until a requeue (GiveBack)
    source_quiet_ = true;
  }
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
  // a device may stamp a frame a little ahead of our clock (vivid stamps its scheduled end of
  // exposure): it cannot have been captured after we dequeued it
  if (f.time_ns != 0) {
    uint64_t now = Now();
    captured_[f.slot] = f.time_ns < now ? f.time_ns : now;
  } else {
    captured_[f.slot] = 0;
  }
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
    if (in_flight_ == 0) progress_ns_ = Now();
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
      dropped_++;
      slots_[slot] = kPending;
      GiveBack(slot);
      return Stop(n, 2, kOpSubmit);
    }
    if (sink_quiet_) {
      sink_quiet_ = false;
      if (int w = Rewatch(kTagSink); w < 0) return Stop(w, 2, kOpPoll);
    }
    if (n > 0) Completed(done, n);
    if (sink_->fd >= 0) return;  // completion comes through the sink's fd
  }
}

void LinkEngine::SinkReady(int bits) {
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
  if (Broken(bits)) {
    int h = sink_->health ? sink_->health(sink_) : -EIO;
    if (h != 0) return Stop(h < 0 ? h : -EIO, 2, kOpPoll);
    Unwatch(kTagSink);  // nothing to wait for until a submit (TrySubmit)
    sink_quiet_ = true;
  }
  TrySubmit();
  WatchSink();
}

// Whether the sink's completions may wait for the source's next frame instead of waking the
// thread each (one wakeup per frame instead of two): the sink says they only release buffers
// (DMABUF_PORT_COLLECT_LATER), the source wakes the thread by its fd, no frame waits for the
// sink, and the source holds at least two buffers, so it has one to fill while another waits
// to go back.
bool LinkEngine::CollectLater() const {
  if ((sink_->flags & DMABUF_PORT_COLLECT_LATER) == 0 || state_ != kRunning) return false;
  if (source_fd_ < 0 || sink_fd_ < 0 || source_quiet_ || pending_ >= 0) return false;
  size_t at_source = 0;
  for (SlotState s : slots_) at_source += s == kAtSource ? 1 : 0;
  return at_source >= 2;
}

// The sink's fd in or out of the epoll set, as CollectLater() says.
void LinkEngine::WatchSink() {
  if (sink_quiet_ || state_ == kEnded) return;
  bool later = CollectLater();
  if (later == sink_later_) return;
  if (later) {
    Unwatch(kTagSink);
    sink_later_ = true;
    return;
  }
  sink_later_ = false;
  if (int w = Rewatch(kTagSink); w < 0) Stop(w, 2, kOpPoll);
}

void LinkEngine::Completed(const dmabuf_done* d, int n) {
  LimitCheck check(this);
  for (int i = 0; i < n; i++) {
    const dmabuf_done& e = d[i];
    if (e.shown >= 0) {
      if (in_flight_ > 0) in_flight_--;
      shown_++;
      progress_ns_ = Now();
      uint64_t t = e.time_ns != 0 ? e.time_ns : Now();
      if (first_shown_ns_ == 0) first_shown_ns_ = t;
      last_shown_ns_ = t;
      int32_t src = unmap_.empty() ? e.shown : (static_cast<uint32_t>(e.shown) < unmap_.size() ? unmap_[e.shown] : -1);
      if (src >= 0 && captured_[src] != 0) {
        uint64_t us = t > captured_[src] ? (t - captured_[src]) / 1000 : 0;
        latency_us_[latency_at_] = static_cast<uint32_t>(std::min<uint64_t>(us, UINT32_MAX));
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
    if (int w = Rewatch(kTagSource); w < 0) Stop(w, 1, kOpPoll);
  }
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
  Unwatch(kTagSource);
  WatchSink();  // what is in flight is collected as it completes
  int r = source_->stop(source_);
  if (r < 0 && end_errno_ == 0 && r != -ENODEV) {
    end_errno_ = r;
    end_side_ = 1;
    end_op_ = kOpStop;
  }
  if (pending_ >= 0) dropped_++;  // dequeued, never submitted: given back unshown
  pending_ = -1;
  for (auto& s : slots_)
    if (s != kAtSink) s = kAtSource;
  tap_held_ = 0;
  // nothing to wait for: nothing in flight, a sink without an fd, or one gone or stalled
  if (in_flight_ == 0 || sink_fd_ < 0 || (side == 2 && (err == -ENODEV || err == -ETIMEDOUT))) return Finish();
  stop_deadline_ns_ = Now() + kStopWaitNs;
}

// Every buffer is back (or the wait for the sink timed out): the thread leaves its loop and posts 'end'.
// From here on frames = shown + dropped.
void LinkEngine::Finish() {
  if (state_ == kEnded) return;
  state_ = kEnded;
  if (sink_->stop) sink_->stop(sink_);
  for (auto& s : slots_) s = kAtSource;
  // what the sink still had in flight never completed (a flip whose event never came, a queue's
  // stop that took its buffers back): not shown, so dropped, and abandoned
  dropped_ += in_flight_;
  abandoned_ += in_flight_;
  in_flight_ = 0;
}

// While running: a sink with work in flight that has completed nothing for longer than it
// promised (complete_within_ms) has stopped completing: the link ends, typed (-ENODEV when the
// device is gone, else -ETIMEDOUT), instead of waiting for an event that never comes.
void LinkEngine::CheckProgress() {
  if (state_ != kRunning || in_flight_ == 0 || sink_->complete_within_ms == 0) return;
  if (Now() - progress_ns_ < static_cast<uint64_t>(sink_->complete_within_ms) * 1000000ull) return;
  if (sink_later_) {
    SinkReady(0);  // completions left to wait for the source's next frame, which has not come
    if (state_ != kRunning || in_flight_ == 0) return;
  }
  int h = sink_->health ? sink_->health(sink_) : 0;
  Stop(h == -ENODEV ? -ENODEV : -ETIMEDOUT, 2, kOpCollect);
}
