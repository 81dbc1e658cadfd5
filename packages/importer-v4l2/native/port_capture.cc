// V4L2 queues as ports of core's link engine (see @dmabuf/core
// native/include/dmabuf/port.h). A capture queue is a source: start QBUFs
// every slot and streams on, dequeue is DQBUF, requeue is QBUF of the same
// slot with the same dma-buf fds (vb2 keeps its import), stop is STREAMOFF.
// An output queue (an M2M device's, a V4L2 output) is a sink: submit is
// QBUF of the slot (every plane full), the device is done with it at DQBUF
// (the fd polls writable), stop is STREAMOFF. The buffers were attached and
// mapped in TypeScript; the link holds them there.
#include <fcntl.h>
#include <linux/videodev2.h>
#include <string.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <dmabuf/port.h>

#include "ops.h"

namespace {

struct Capture {
  int device;  // the queue's fd (borrowed: the queue outlives the link)
  uint32_t type;
  uint32_t memory;
  uint32_t planes;
  bool output;
  std::vector<int32_t> fds;       // slot * planes + plane
  std::vector<uint32_t> lengths;  // likewise
};

Capture* Of(dmabuf_port* p) { return static_cast<Capture*>(p->self); }

int Qbuf(dmabuf_port* p, uint32_t slot) {
  Capture* c = Of(p);
  if (slot >= p->slots) return -EINVAL;
  struct v4l2_buffer b;
  struct v4l2_plane planes[VIDEO_MAX_PLANES];
  memset(&b, 0, sizeof b);
  b.type = c->type;
  b.memory = c->memory;
  b.index = slot;
  b.field = V4L2_FIELD_ANY;
  const size_t at = static_cast<size_t>(slot) * c->planes;
  if (IsMplane(c->type)) {
    memset(planes, 0, sizeof planes);
    b.m.planes = planes;
    b.length = c->planes;
    for (uint32_t i = 0; i < c->planes; i++) {
      if (c->memory == V4L2_MEMORY_DMABUF) planes[i].m.fd = c->fds[at + i];
      planes[i].length = c->lengths[at + i];
      if (c->output) planes[i].bytesused = c->lengths[at + i];
    }
  } else {
    if (c->memory == V4L2_MEMORY_DMABUF) b.m.fd = c->fds[at];
    b.length = c->lengths[at];
    if (c->output) b.bytesused = c->lengths[at];
  }
  int rc = dmabuf::Ioctl(c->device, VIDIOC_QBUF, &b);
  return rc < 0 ? rc : 0;
}

int Start(dmabuf_port* p) {
  Capture* c = Of(p);
  for (uint32_t s = 0; s < p->slots; s++) {
    int r = Qbuf(p, s);
    if (r < 0) {
      int type = static_cast<int>(c->type);
      dmabuf::Ioctl(c->device, VIDIOC_STREAMOFF, &type);  // hands back what was queued
      return r;
    }
  }
  int type = static_cast<int>(c->type);
  if (int err = dmabuf::Ioctl(c->device, VIDIOC_STREAMON, &type); err < 0) {
    dmabuf::Ioctl(c->device, VIDIOC_STREAMOFF, &type);
    return err;
  }
  return 0;
}

int Dequeue(dmabuf_port* p, dmabuf_frame* out) {
  Capture* c = Of(p);
  struct v4l2_buffer b;
  struct v4l2_plane planes[VIDEO_MAX_PLANES];
  memset(&b, 0, sizeof b);
  b.type = c->type;
  b.memory = c->memory;
  if (IsMplane(c->type)) {
    memset(planes, 0, sizeof planes);
    b.m.planes = planes;
    b.length = VIDEO_MAX_PLANES;
  }
  if (int rc = dmabuf::Ioctl(c->device, VIDIOC_DQBUF, &b); rc < 0) return rc;
  out->slot = b.index;
  out->sequence = b.sequence;
  out->flags = (b.flags & V4L2_BUF_FLAG_ERROR) != 0 ? DMABUF_FRAME_ERROR : 0;
  const bool monotonic = (b.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
  out->time_ns = monotonic ? dmabuf::MicrosecondsToNs(b.timestamp.tv_sec, b.timestamp.tv_usec) : 0;
  return 0;
}

int Stop(dmabuf_port* p) {
  int type = static_cast<int>(Of(p)->type);
  int rc = dmabuf::Ioctl(Of(p)->device, VIDIOC_STREAMOFF, &type);
  return rc < 0 ? rc : 0;
}

// The engine asks after POLLERR once DQBUF said EAGAIN, which vb2 only says of a queue that
// streams without error: the device answering QUERYCAP is then fine. An M2M device says POLLERR
// whenever neither of its queues has a buffer queued (v4l2_m2m_poll), e.g. an OUTPUT queue fed by
// a link before anything streams on CAPTURE: nothing to wait for, not a failure.
int Health(dmabuf_port* p) {
  struct v4l2_capability cap;
  memset(&cap, 0, sizeof cap);
  int rc = dmabuf::Ioctl(Of(p)->device, VIDIOC_QUERYCAP, &cap);
  return rc < 0 ? rc : 0;
}

// Output (sink): streaming on; nothing is queued until the link submits.
int OutputStart(dmabuf_port* p) {
  int type = static_cast<int>(Of(p)->type);
  int rc = dmabuf::Ioctl(Of(p)->device, VIDIOC_STREAMON, &type);
  return rc < 0 ? rc : 0;
}

int OutputSubmit(dmabuf_port* p, uint32_t slot, dmabuf_done*, uint32_t) { return Qbuf(p, slot); }

// The next buffer the device is done with (one DQBUF): shown and released at
// once. One per call: the engine's epoll is level-triggered, so another done
// buffer wakes it again, and no DQBUF is spent on EAGAIN in the common case.
int OutputCollect(dmabuf_port* p, dmabuf_done* out, uint32_t max) {
  if (max < 1) return -EINVAL;
  dmabuf_frame f;
  int r = Dequeue(p, &f);
  if (r == -EAGAIN) return 0;
  if (r < 0) return r;
  out[0].shown = static_cast<int32_t>(f.slot);
  out[0].released = static_cast<int32_t>(f.slot);
  out[0].time_ns = dmabuf::MonotonicNs();
  return 1;
}

// capturePort / outputPort(fd, type, memory, slots, planes, fds: Int32Array, lengths: Uint32Array) -> port or -errno
Napi::Value MakePort(const Napi::CallbackInfo& info, bool output) {
  Napi::Env env = info.Env();
  Args a(info);
  int device = a.Fd(0, "fd");
  uint32_t type = a.U32(1, "type");
  uint32_t memory = a.U32(2, "memory");
  const uint32_t slots = a.U32(3, "slots");
  uint32_t planes = a.U32(4, "planes");
  Napi::Int32Array fds = a.Int32s(5, "fds");
  Napi::Uint32Array lengths = a.Uint32s(6, "lengths");
  if (a && (planes == 0 || planes > VIDEO_MAX_PLANES)) a.Fail("planes", "an integer from 1 to 8", info[4]);
  if (a && (slots == 0 || slots > VIDEO_MAX_FRAME)) a.Fail("slots", "an integer from 1 to 64", info[3]);
  if (a && fds.ElementLength() != static_cast<size_t>(slots) * planes)
    a.Fail("fds", "an Int32Array of slots * planes fds", info[5]);
  if (a && lengths.ElementLength() != static_cast<size_t>(slots) * planes)
    a.Fail("lengths", "a Uint32Array of slots * planes lengths", info[6]);
  if (!a) return a.Thrown();
  auto* c = new Capture();
  c->device = device;
  c->type = type;
  c->memory = memory;
  c->planes = planes;
  c->output = output;
  c->fds.assign(fds.Data(), fds.Data() + fds.ElementLength());
  c->lengths.assign(lengths.Data(), lengths.Data() + lengths.ElementLength());
  dmabuf_port* p = NewOwningPort(output ? DMABUF_PORT_SINK : DMABUF_PORT_SOURCE, slots, c->device,
                                 output ? DMABUF_PORT_WRITABLE : DMABUF_PORT_READABLE, c);
  if (p == nullptr) return Errno(env, ENOMEM);
  p->max_in_flight = output ? slots : 0;
  p->flags = output ? DMABUF_PORT_STOP_RECLAIMS : 0;  // STREAMOFF hands back every queued buffer
  p->start = output ? OutputStart : Start;
  p->dequeue = Dequeue;
  p->requeue = Qbuf;
  p->submit = OutputSubmit;
  p->collect = OutputCollect;
  p->stop = Stop;
  p->health = Health;
  return WrapPort(env, p);
}

Napi::Value CapturePort(const Napi::CallbackInfo& info) { return MakePort(info, false); }
Napi::Value OutputPort(const Napi::CallbackInfo& info) { return MakePort(info, true); }

}  // namespace

void InitPortOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"capturePort", CapturePort},
      {"outputPort", OutputPort},
  });
}
