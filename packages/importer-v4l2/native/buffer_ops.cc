// Streaming I/O: REQBUFS, QUERYBUF, QBUF, DQBUF, STREAMON/OFF, EXPBUF, for the
// single- and the multi-planar API. A buffer is reported in one shape: a
// single-planar buffer has one plane.
#include <fcntl.h>
#include <linux/videodev2.h>
#include <string.h>

#include <type_traits>

#include "ops.h"

namespace {

struct Buf {
  struct v4l2_buffer b;
  struct v4l2_plane planes[VIDEO_MAX_PLANES];
};

void InitBuf(Buf* buf, unsigned type, unsigned memory, unsigned index) {
  memset(buf, 0, sizeof *buf);
  buf->b.type = type;
  buf->b.memory = memory;
  buf->b.index = index;
  if (IsMplane(type)) {
    buf->b.m.planes = buf->planes;
    buf->b.length = VIDEO_MAX_PLANES;
  }
}

Napi::Object PlaneToJs(Napi::Env env, unsigned memory, unsigned bytesused, unsigned length, unsigned offset, int fd, unsigned dataOffset) {
  auto p = Napi::Object::New(env);
  p.Set("bytesused", bytesused);
  p.Set("length", length);
  p.Set("dataOffset", dataOffset);
  if (memory == V4L2_MEMORY_DMABUF)
    p.Set("fd", fd);
  else
    p.Set("memOffset", offset);
  return p;
}

Napi::Object BufToJs(Napi::Env env, const Buf& buf) {
  const auto& b = buf.b;
  auto o = Napi::Object::New(env);
  o.Set("index", b.index);
  o.Set("type", b.type);
  o.Set("bytesused", b.bytesused);
  o.Set("flags", b.flags);
  o.Set("field", b.field);
  o.Set("sec", Napi::Number::New(env, static_cast<double>(b.timestamp.tv_sec)));
  o.Set("usec", Napi::Number::New(env, static_cast<double>(b.timestamp.tv_usec)));
  o.Set("sequence", b.sequence);
  o.Set("memory", b.memory);
  auto planes = Napi::Array::New(env);
  if (IsMplane(b.type)) {
    for (unsigned i = 0; i < b.length && i < VIDEO_MAX_PLANES; i++) {
      const auto& p = buf.planes[i];
      planes.Set(i, PlaneToJs(env, b.memory, p.bytesused, p.length, p.m.mem_offset, p.m.fd, p.data_offset));
    }
  } else {
    planes.Set(0u, PlaneToJs(env, b.memory, b.bytesused, b.length, b.m.offset, b.m.fd, 0));
  }
  o.Set("planes", planes);
  return o;
}

// A buffer ioctl (QUERYBUF, QBUF, DQBUF) once the arguments passed: the
// buffer as the kernel left it, or -errno.
Napi::Value BufIoctl(Args& a, int fd, unsigned long request, Buf& buf) {
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, request, &buf.b); rc < 0) return dmabuf::Result(a.Env(), rc);
  return BufToJs(a.Env(), buf);
}

// A plane of QBUF from JS: a struct v4l2_plane, or the single plane of a
// struct v4l2_buffer (same field names; it has no data offset). A refusal is
// thrown and leaves `a` false.
template <typename Plane>
void PlaneFromJs(Args& a, const Napi::Value& v, unsigned memory, Plane* p) {
  auto o = a.ObjectOf(v, "planes");
  if (!a) return;
  if (memory == V4L2_MEMORY_DMABUF) p->m.fd = a.FdOf(o.Get("fd"), "fd");
  p->length = a.OptionalU32(o, "length");
  p->bytesused = a.OptionalU32(o, "bytesused");
  if constexpr (std::is_same_v<Plane, struct v4l2_plane>) p->data_offset = a.OptionalU32(o, "dataOffset");
}

// reqbufs(fd, type, memory, count) -> { count, capabilities, flags } or -errno
Napi::Value Reqbufs(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_requestbuffers r = {};
  r.type = a.U32(1, "type");
  r.memory = a.U32(2, "memory");
  r.count = a.U32(3, "count");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_REQBUFS, &r); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("count", r.count);
  o.Set("capabilities", r.capabilities);
  o.Set("flags", r.flags);
  return o;
}

// querybuf(fd, type, memory, index) -> buffer or -errno
Napi::Value Querybuf(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Buf buf;
  unsigned type = a.U32(1, "type");
  unsigned memory = a.U32(2, "memory");
  unsigned index = a.U32(3, "index");
  InitBuf(&buf, type, memory, index);
  return BufIoctl(a, fd, VIDIOC_QUERYBUF, buf);
}

// qbuf(fd, type, memory, index, planes: [{ fd, length, bytesused, dataOffset }], field)
//   -> the buffer as the kernel echoes it, or -errno
Napi::Value Qbuf(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Buf buf;
  unsigned type = a.U32(1, "type");
  unsigned memory = a.U32(2, "memory");
  InitBuf(&buf, type, memory, a.U32(3, "index"));
  auto planes = a.Array(4, "planes");
  buf.b.field = a.U32(5, "field");
  unsigned n = !a ? 0 : planes.Length() < VIDEO_MAX_PLANES ? planes.Length() : VIDEO_MAX_PLANES;
  if (IsMplane(type)) {
    buf.b.length = n;
    for (unsigned i = 0; i < n && a; i++) PlaneFromJs(a, planes.Get(i), memory, &buf.planes[i]);
  } else if (n > 0) {
    PlaneFromJs(a, planes.Get(0u), memory, &buf.b);
  }
  return BufIoctl(a, fd, VIDIOC_QBUF, buf);
}

// dqbuf(fd, type, memory) -> buffer or -errno (EAGAIN: nothing ready; the fd is non-blocking)
Napi::Value Dqbuf(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Buf buf;
  unsigned type = a.U32(1, "type");
  unsigned memory = a.U32(2, "memory");
  InitBuf(&buf, type, memory, 0);
  return BufIoctl(a, fd, VIDIOC_DQBUF, buf);
}

Napi::Value Stream(const Napi::CallbackInfo& info, unsigned long req) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  int type = a.I32(1, "type");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, req, &type); rc < 0) return dmabuf::Result(info.Env(), rc);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value Streamon(const Napi::CallbackInfo& info) { return Stream(info, VIDIOC_STREAMON); }
Napi::Value Streamoff(const Napi::CallbackInfo& info) { return Stream(info, VIDIOC_STREAMOFF); }

// expbuf(fd, type, index, plane) -> a new dma-buf fd (O_RDWR | O_CLOEXEC) or -errno
Napi::Value Expbuf(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  struct v4l2_exportbuffer e = {};
  e.type = a.U32(1, "type");
  e.index = a.U32(2, "index");
  e.plane = a.U32(3, "plane");
  e.flags = O_RDWR | O_CLOEXEC;
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_EXPBUF, &e); rc < 0) return dmabuf::Result(info.Env(), rc);
  return Napi::Number::New(info.Env(), e.fd);
}

}  // namespace

void InitBufferOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"reqbufs", Reqbufs},
      {"querybuf", Querybuf},
      {"qbuf", Qbuf},
      {"dqbuf", Dqbuf},
      {"streamon", Streamon},
      {"streamoff", Streamoff},
      {"expbuf", Expbuf},
  });
}
