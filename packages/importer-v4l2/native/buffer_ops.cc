// Streaming I/O: REQBUFS, QUERYBUF, QBUF, DQBUF, STREAMON/OFF, EXPBUF, for the
// single- and the multi-planar API. A buffer is reported in one shape: a
// single-planar buffer has one plane.
#include <fcntl.h>
#include <linux/videodev2.h>
#include <string.h>

#include "ops.h"

namespace {

bool IsMplane(unsigned type) {
  return type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

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

unsigned Get(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : 0;
}

// reqbufs(fd, type, memory, count) -> { count, capabilities, flags } or -errno
Napi::Value Reqbufs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct v4l2_requestbuffers r = {};
  r.type = ArgU32(info, 1);
  r.memory = ArgU32(info, 2);
  r.count = ArgU32(info, 3);
  if (Xioctl(ArgInt(info, 0), VIDIOC_REQBUFS, &r) < 0) return Errno(env, errno);
  auto o = Napi::Object::New(env);
  o.Set("count", r.count);
  o.Set("capabilities", r.capabilities);
  o.Set("flags", r.flags);
  return o;
}

// querybuf(fd, type, memory, index) -> buffer or -errno
Napi::Value Querybuf(const Napi::CallbackInfo& info) {
  Buf buf;
  InitBuf(&buf, ArgU32(info, 1), ArgU32(info, 2), ArgU32(info, 3));
  if (Xioctl(ArgInt(info, 0), VIDIOC_QUERYBUF, &buf.b) < 0) return Errno(info.Env(), errno);
  return BufToJs(info.Env(), buf);
}

// qbuf(fd, type, memory, index, planes: [{ fd, length, bytesused, dataOffset }], field)
//   -> the buffer as the kernel echoes it, or -errno
Napi::Value Qbuf(const Napi::CallbackInfo& info) {
  Buf buf;
  unsigned type = ArgU32(info, 1);
  unsigned memory = ArgU32(info, 2);
  InitBuf(&buf, type, memory, ArgU32(info, 3));
  auto planes = info[4].As<Napi::Array>();
  buf.b.field = ArgU32(info, 5);
  unsigned n = planes.Length() < VIDEO_MAX_PLANES ? planes.Length() : VIDEO_MAX_PLANES;
  if (IsMplane(type)) {
    buf.b.length = n;
    for (unsigned i = 0; i < n; i++) {
      auto p = planes.Get(i).As<Napi::Object>();
      if (memory == V4L2_MEMORY_DMABUF) buf.planes[i].m.fd = p.Get("fd").As<Napi::Number>().Int32Value();
      buf.planes[i].length = Get(p, "length");
      buf.planes[i].bytesused = Get(p, "bytesused");
      buf.planes[i].data_offset = Get(p, "dataOffset");
    }
  } else if (n > 0) {
    auto p = planes.Get(0u).As<Napi::Object>();
    if (memory == V4L2_MEMORY_DMABUF) buf.b.m.fd = p.Get("fd").As<Napi::Number>().Int32Value();
    buf.b.length = Get(p, "length");
    buf.b.bytesused = Get(p, "bytesused");
  }
  if (Xioctl(ArgInt(info, 0), VIDIOC_QBUF, &buf.b) < 0) return Errno(info.Env(), errno);
  return BufToJs(info.Env(), buf);
}

// dqbuf(fd, type, memory) -> buffer or -errno (EAGAIN: nothing ready; the fd is non-blocking)
Napi::Value Dqbuf(const Napi::CallbackInfo& info) {
  Buf buf;
  InitBuf(&buf, ArgU32(info, 1), ArgU32(info, 2), 0);
  if (Xioctl(ArgInt(info, 0), VIDIOC_DQBUF, &buf.b) < 0) return Errno(info.Env(), errno);
  return BufToJs(info.Env(), buf);
}

Napi::Value Stream(const Napi::CallbackInfo& info, unsigned long req) {
  int type = ArgInt(info, 1);
  if (Xioctl(ArgInt(info, 0), req, &type) < 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value Streamon(const Napi::CallbackInfo& info) { return Stream(info, VIDIOC_STREAMON); }
Napi::Value Streamoff(const Napi::CallbackInfo& info) { return Stream(info, VIDIOC_STREAMOFF); }

// expbuf(fd, type, index, plane) -> a new dma-buf fd (O_RDWR | O_CLOEXEC) or -errno
Napi::Value Expbuf(const Napi::CallbackInfo& info) {
  struct v4l2_exportbuffer e = {};
  e.type = ArgU32(info, 1);
  e.index = ArgU32(info, 2);
  e.plane = ArgU32(info, 3);
  e.flags = O_RDWR | O_CLOEXEC;
  if (Xioctl(ArgInt(info, 0), VIDIOC_EXPBUF, &e) < 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), e.fd);
}

}  // namespace

void InitBufferOps(Napi::Env env, Napi::Object exports) {
  exports.Set("reqbufs", Napi::Function::New(env, Reqbufs, "reqbufs"));
  exports.Set("querybuf", Napi::Function::New(env, Querybuf, "querybuf"));
  exports.Set("qbuf", Napi::Function::New(env, Qbuf, "qbuf"));
  exports.Set("dqbuf", Napi::Function::New(env, Dqbuf, "dqbuf"));
  exports.Set("streamon", Napi::Function::New(env, Streamon, "streamon"));
  exports.Set("streamoff", Napi::Function::New(env, Streamoff, "streamoff"));
  exports.Set("expbuf", Napi::Function::New(env, Expbuf, "expbuf"));
}
