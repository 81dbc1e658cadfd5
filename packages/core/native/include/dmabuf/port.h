// The native port contract: how a driver's addon hands its queues and
// displays to core's link engine without JavaScript in between.
//
// The addons are separate .node files loaded into one process, so a port is
// a plain C struct behind a napi external: a table of function pointers, the
// fd the engine watches for readiness, and the driver's own state. Core's
// addon checks `magic` and `abi` before it touches anything else.
//
// A *source* hands out filled buffers and takes them back (a V4L2 capture
// queue: DQBUF / QBUF). A *sink* consumes a buffer and says when it is done
// with it (a KMS plane: the flip replacing it has completed; a counting sink:
// at once). Slots are small integers fixed before the link starts: the
// buffers behind them are exported, attached and mapped in TypeScript, and
// held there for as long as the link runs.
//
// Every function returns 0 (or a count) on success and -errno on failure;
// none blocks, none calls into JavaScript, none allocates per frame.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMABUF_PORT_MAGIC 0x64627074u /* 'dbpt' */
#define DMABUF_PORT_ABI 3u

enum dmabuf_port_kind { DMABUF_PORT_SOURCE = 1, DMABUF_PORT_SINK = 2 };

/** Readiness the engine waits for on `fd` (the values of libuv's UV_READABLE / UV_WRITABLE). */
enum dmabuf_port_events { DMABUF_PORT_READABLE = 1, DMABUF_PORT_WRITABLE = 2 };

/**
 * What a port says of itself (`flags`). DMABUF_PORT_STOP_RECLAIMS: a sink whose stop() takes back
 * every buffer still in flight (a V4L2 output queue: STREAMOFF), so a link stopped because an
 * owner is closing need not wait for its completions (a KMS plane cannot: a flip in flight
 * completes when the display says so).
 *
 * DMABUF_PORT_COLLECT_LATER: a sink whose completions only release buffers (a KMS plane: the
 * flip's event frees the framebuffer it replaced), so the engine may collect them when the
 * source's next frame wakes it rather than wake for each, as long as the source still holds two
 * buffers or more: one wakeup per frame instead of two.
 */
enum dmabuf_port_flags { DMABUF_PORT_STOP_RECLAIMS = 1, DMABUF_PORT_COLLECT_LATER = 2 };

/** A frame a source handed out. */
typedef struct dmabuf_frame {
  uint32_t slot;
  uint32_t sequence;
  /** DMABUF_FRAME_ERROR: the device says the data is bad (the engine gives it straight back). */
  uint32_t flags;
  /** When the frame was captured, CLOCK_MONOTONIC in ns (0: unknown). */
  uint64_t time_ns;
} dmabuf_frame;

#define DMABUF_FRAME_ERROR 1u

/** What a sink reports: `shown` reached the screen (or was consumed) at `time_ns`; `released` is done with. */
typedef struct dmabuf_done {
  int32_t shown;    /* sink slot, or -1 */
  int32_t released; /* sink slot, or -1 */
  uint64_t time_ns; /* CLOCK_MONOTONIC */
} dmabuf_done;

typedef struct dmabuf_port dmabuf_port;

struct dmabuf_port {
  uint32_t magic; /* DMABUF_PORT_MAGIC */
  uint32_t abi;   /* DMABUF_PORT_ABI */
  uint32_t kind;  /* enum dmabuf_port_kind */
  /** Slots the port knows (a sink with 0 takes any slot number: a counting sink). */
  uint32_t slots;
  /** The fd to watch (borrowed: the engine polls a dup of it), or -1: always ready (source) / done at submit (sink). */
  int fd;
  /** enum dmabuf_port_events to wait for on fd. */
  int events;
  /** Sink: how many submitted buffers may wait for completion at once. */
  uint32_t max_in_flight;
  /** Set by the engine while a link runs the port (one link at a time). */
  uint32_t linked;
  /** enum dmabuf_port_flags. */
  uint32_t flags;
  /**
   * Sink: a submission not completed within this many ms means the device stopped completing (a
   * display unplugged whose flip event never comes): the link stops with -ETIMEDOUT (-ENODEV when
   * health() says the device is gone). 0: no limit (an M2M OUTPUT queue holds buffers for as long
   * as nothing takes its CAPTURE side).
   */
  uint32_t complete_within_ms;

  /** Source: give every slot to the device and start (QBUF all, STREAMON). Sink: get ready. */
  int (*start)(dmabuf_port* port);
  /** Source: the next filled buffer into *out; -EAGAIN when none is ready. */
  int (*dequeue)(dmabuf_port* port, dmabuf_frame* out);
  /** Source: take a slot back (QBUF). */
  int (*requeue)(dmabuf_port* port, uint32_t slot);
  /**
   * Sink: consume a slot. Returns how many records it wrote to out[0..max)
   * at once (a sink done immediately), 0 when completion comes later through
   * collect(), or -errno (-EBUSY: nothing more can be taken now).
   */
  int (*submit)(dmabuf_port* port, uint32_t slot, dmabuf_done* out, uint32_t max);
  /** Sink, after fd was ready: the completions, up to max records; 0 when none. */
  int (*collect)(dmabuf_port* port, dmabuf_done* out, uint32_t max);
  /** Source: stop (STREAMOFF): every slot is the port's again. Sink: let go of what it holds. */
  int (*stop)(dmabuf_port* port);
  /**
   * After the fd reported an error or hang-up (and dequeue/collect found nothing): -ENODEV when the
   * device is gone, -EIO when it failed, 0 when it is fine and the error only says there is
   * nothing to wait for now (an M2M device with no buffer queued on either queue): the engine then
   * stops watching the port until it next gives it a buffer (requeue, submit).
   */
  int (*health)(dmabuf_port* port);
  /** Free the port (closes its fd). Called once, when nothing uses it any more. */
  void (*destroy)(dmabuf_port* port);

  /** The driver's own state. */
  void* self;
};

#ifdef __cplusplus
}

#include <napi.h>
#include <time.h>

#include <cstdlib>

#include "args.h"

/**
 * A new port table: zeroed, magic and ABI set, `kind`, `slots`, the fd to
 * watch (-1: none) and its events, the driver's state in `self`. The driver
 * fills in its functions; DestroyPort<T> frees what this made.
 */
inline dmabuf_port* NewPort(uint32_t kind, uint32_t slots, int fd, int events, void* self) {
  auto* p = static_cast<dmabuf_port*>(calloc(1, sizeof(dmabuf_port)));
  if (p == nullptr) return nullptr;
  p->magic = DMABUF_PORT_MAGIC;
  p->abi = DMABUF_PORT_ABI;
  p->kind = kind;
  p->slots = slots;
  p->fd = fd;
  p->events = events;
  p->self = self;
  return p;
}

/** A port's destroy() for a port from NewPort without state of its own. */
inline void FreePort(dmabuf_port* p) { free(p); }

/** A port's destroy() for a port from NewPort whose `self` is a T made with new. */
template <typename T>
void DestroyPort(dmabuf_port* p) {
  delete static_cast<T*>(p->self);
  free(p);
}

/**
 * NewPort for a driver state `self` made with new, which the port then owns:
 * destroy() is DestroyPort<T> (a driver may wrap it). When the port cannot be
 * allocated, `self` is deleted and the result is nullptr (the binding's ENOMEM).
 */
template <typename T>
dmabuf_port* NewOwningPort(uint32_t kind, uint32_t slots, int fd, int events, T* self) {
  dmabuf_port* p = NewPort(kind, slots, fd, events, self);
  if (p == nullptr) {
    delete self;
    return nullptr;
  }
  p->destroy = DestroyPort<T>;
  return p;
}

namespace dmabuf {

/** Now on CLOCK_MONOTONIC in ns: the clock of every time_ns. */
inline uint64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

/** A kernel timestamp in seconds and microseconds (a V4L2 buffer's, a DRM event's) in ns. */
inline uint64_t MicrosecondsToNs(uint64_t sec, uint64_t usec) { return sec * 1000000000ull + usec * 1000ull; }

}  // namespace dmabuf

/** A port as the napi external a driver addon hands to JavaScript; destroy() runs when it is collected. */
inline Napi::Value WrapPort(Napi::Env env, dmabuf_port* port) {
  return Napi::External<dmabuf_port>::New(env, port, [](Napi::Env, dmabuf_port* p) {
    if (p->destroy) p->destroy(p);
  });
}

/** The port behind a value from WrapPort, or nullptr when it is not one (wrong type, magic or ABI). */
inline dmabuf_port* UnwrapPort(const Napi::Value& v) {
  if (!v.IsExternal()) return nullptr;
  auto* p = v.As<Napi::External<dmabuf_port>>().Data();
  if (p == nullptr || p->magic != DMABUF_PORT_MAGIC || p->abi != DMABUF_PORT_ABI) return nullptr;
  return p;
}
/** Argument i as a port (a typed refusal when it is not one: wrong type, magic or ABI); nullptr after a refusal. */
inline dmabuf_port* PortArg(dmabuf::Args& a, size_t i, const char* name) {
  constexpr const char* kExpected = "a port (from a driver's port(): queue.port(), display.port(), countingSink())";
  if (!a) return nullptr;
  dmabuf_port* p = UnwrapPort(a[i]);
  if (p == nullptr) a.Fail(name, kExpected, a[i]);
  return p;
}
#endif
