// Ports core itself provides, for measuring and testing links:
//  - a counting sink: done with every buffer the moment it gets it;
//  - a cycling source: always ready, hands out its slots in turn (a flip
//    link alternating framebuffers, the way modetest -v does);
//  - a stalling sink (tests): takes buffers and never completes one, the
//    way a display that stopped sending flip events behaves.
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include <dmabuf/port.h>

#include "ops.h"

namespace {

int CountingSubmit(dmabuf_port*, uint32_t slot, dmabuf_done* out, uint32_t max) {
  if (max < 1) return -EINVAL;
  out[0].shown = static_cast<int32_t>(slot);
  out[0].released = static_cast<int32_t>(slot);
  out[0].time_ns = dmabuf::MonotonicNs();
  return 1;
}

int NoCollect(dmabuf_port*, dmabuf_done*, uint32_t) { return 0; }
int Nothing(dmabuf_port*) { return 0; }

// A sink of core's own: any slot, one at a time, nothing to start, stop or collect by itself;
// `fd` (-1: none) is watched for readability. The caller sets destroy (and what else differs).
dmabuf_port* OwnSink(int fd, void* self, int (*submit)(dmabuf_port*, uint32_t, dmabuf_done*, uint32_t)) {
  dmabuf_port* p = NewPort(DMABUF_PORT_SINK, 0, fd, fd >= 0 ? DMABUF_PORT_READABLE : 0, self);
  if (p == nullptr) return nullptr;
  p->max_in_flight = 1;
  p->submit = submit;
  p->collect = NoCollect;
  p->start = Nothing;
  p->stop = Nothing;
  return p;
}

struct Cycle {
  std::vector<uint8_t> free;
  uint32_t next = 0;
  uint32_t sequence = 0;
};

int CycleStart(dmabuf_port* p) {
  auto* c = static_cast<Cycle*>(p->self);
  c->free.assign(p->slots, 1);
  c->next = 0;
  return 0;
}

int CycleDequeue(dmabuf_port* p, dmabuf_frame* out) {
  auto* c = static_cast<Cycle*>(p->self);
  for (uint32_t i = 0; i < p->slots; i++) {
    uint32_t s = (c->next + i) % p->slots;
    if (!c->free[s]) continue;
    c->free[s] = 0;
    c->next = (s + 1) % p->slots;
    out->slot = s;
    out->sequence = c->sequence++;
    out->flags = 0;
    out->time_ns = dmabuf::MonotonicNs();
    return 0;
  }
  return -EAGAIN;
}

int CycleRequeue(dmabuf_port* p, uint32_t slot) {
  auto* c = static_cast<Cycle*>(p->self);
  if (slot >= p->slots) return -EINVAL;
  c->free[slot] = 1;
  return 0;
}

int CycleStop(dmabuf_port* p) {
  auto* c = static_cast<Cycle*>(p->self);
  c->free.assign(p->slots, 1);
  return 0;
}

// A stalling sink's state: it owns its eventfd (closed with it, so DestroyPort<Stall> frees all).
struct Stall {
  explicit Stall(bool gone) : gone(gone) {}
  ~Stall() {
    if (fd >= 0) close(fd);
  }
  Stall(const Stall&) = delete;
  Stall& operator=(const Stall&) = delete;

  const int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);  // nothing writes it: the engine waits on it for completions that never come
  const bool gone;
};

int StallSubmit(dmabuf_port*, uint32_t, dmabuf_done*, uint32_t) { return 0; }
int StallHealth(dmabuf_port* p) { return static_cast<Stall*>(p->self)->gone ? -ENODEV : 0; }

// countingSink() -> port
Napi::Value CountingSink(const Napi::CallbackInfo& info) {
  dmabuf_port* p = OwnSink(-1, nullptr, CountingSubmit);
  if (p == nullptr) return Errno(info.Env(), ENOMEM);
  p->destroy = FreePort;
  return WrapPort(info.Env(), p);
}

// cyclingSource(slots) -> port
Napi::Value CyclingSource(const Napi::CallbackInfo& info) {
  Args a(info);
  uint32_t slots = a.U32(0, "slots");
  if (a && (slots < 2 || slots > 4096)) a.Fail("slots", "an integer from 2 to 4096", info[0]);
  if (!a) return a.Thrown();
  dmabuf_port* p = NewOwningPort(DMABUF_PORT_SOURCE, slots, -1, 0, new Cycle());
  if (p == nullptr) return Errno(info.Env(), ENOMEM);
  p->start = CycleStart;
  p->dequeue = CycleDequeue;
  p->requeue = CycleRequeue;
  p->stop = CycleStop;
  return WrapPort(info.Env(), p);
}

// stallingSink(completeWithinMs, gone) -> port or -errno: a sink that never completes what it takes
// (one at a time); it promises completion within completeWithinMs (0: no limit), and its health()
// says -ENODEV when `gone`, else 0.
Napi::Value StallingSink(const Napi::CallbackInfo& info) {
  Args a(info);
  uint32_t within = a.U32(0, "completeWithinMs");
  bool gone = a.Bool(1, "gone");
  if (!a) return a.Thrown();
  auto stall = std::make_unique<Stall>(gone);
  if (stall->fd < 0) return Errno(info.Env(), errno);
  dmabuf_port* p = OwnSink(stall->fd, stall.get(), StallSubmit);
  if (p == nullptr) return Errno(info.Env(), ENOMEM);
  stall.release();  // the port's now
  p->complete_within_ms = within;
  p->health = StallHealth;
  p->destroy = DestroyPort<Stall>;
  return WrapPort(info.Env(), p);
}

}  // namespace

void InitLinkPorts(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"countingSink", CountingSink},
      {"cyclingSource", CyclingSource},
      {"stallingSink", StallingSink},
  });
}
