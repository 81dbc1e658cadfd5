// Registration of each group of V4L2 ioctls.
// Convention for every function (core's native toolkit, <dmabuf/toolkit.h>):
// arguments are validated in TypeScript and checked again by dmabuf::Args
// before any ioctl; a failing syscall returns -errno (a negative number)
// instead of throwing, so TypeScript builds the typed error with a JS stack.
// V4L2 ioctls go through dmabuf::Ioctl (restarted on EINTR only: EAGAIN from
// DQBUF on the non-blocking fd means "nothing ready"). Readiness is core's
// watcher (FdWatcher in TS, dmabuf::Watch in C++).
#pragma once
#include <dmabuf/toolkit.h>
#include <linux/videodev2.h>
#include <napi.h>
#include <string.h>

#include <string>

// Each file's group of bindings (its Init*), which addon.cc hands to dmabuf::InitAddon.
dmabuf::Group InitDeviceOps, InitControlOps, InitBufferOps, InitEventOps, InitMediaOps, InitPortOps;

using dmabuf::Args;
using dmabuf::Errno;

// Whether a buffer type uses the multi-planar API (struct v4l2_pix_format_mplane, v4l2_plane[]).
inline bool IsMplane(unsigned type) {
  return type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

// A fixed-size text field of a uAPI struct (char or __u8, NUL-terminated only
// when shorter than the field) as a string.
template <typename Char, size_t N>
std::string FixedString(const Char (&s)[N]) {
  static_assert(sizeof(Char) == 1, "a byte string");
  const char* c = reinterpret_cast<const char*>(s);
  return std::string(c, strnlen(c, N));
}
