// Thin DRM ioctl bindings, one group of ioctls per file.
// Convention for every function (core's native toolkit, <dmabuf/toolkit.h>):
// arguments are validated in TypeScript and checked again by dmabuf::Args
// before any ioctl; a failing ioctl returns -errno (a negative number)
// instead of throwing, so TypeScript builds the typed error (naming the
// device and the numbers) with a JS stack. Nothing here allocates policy or
// makes choices.
#pragma once
#include <dmabuf/toolkit.h>
#include <napi.h>

#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <vector>

// The kernel's DRM uAPI headers, from the compiler's own search path (so a
// cross compiler finds its sysroot's): the kernel's layout (<drm/…>, from the
// kernel headers package: Alpine linux-headers, Fedora kernel-headers, the
// Debian cross sysroots) or libdrm's copy of it (<libdrm/…>, Debian/Ubuntu
// libdrm-dev). Only the headers: the binding does not link libdrm.
#if __has_include(<drm/drm_mode.h>)
#include <drm/drm.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_mode.h>
#elif __has_include(<libdrm/drm_mode.h>)
#include <libdrm/drm.h>
#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>
#else
#error "@dmabuf/exporter-drm: the kernel's DRM headers are missing (drm/drm_mode.h or libdrm/drm_mode.h). Install libdrm-dev (Debian, Ubuntu), linux-headers (Alpine) or kernel-headers (Fedora), then: npm rebuild @dmabuf/exporter-drm"
#endif

// Each file's group of bindings (its Init*), which addon.cc hands to dmabuf::InitAddon.
dmabuf::Group InitDeviceOps, InitGemOps, InitModeOps, InitPropOps, InitFbOps, InitEventOps, InitVgemOps, InitPortOps;

using dmabuf::Args;
using dmabuf::Errno;

// A DRM ioctl: restarted on EINTR and EAGAIN as libdrm's drmIoctl does
// (dmabuf::Restart::kInterruptedOrAgain); 0 or -errno.
inline int Ioctl(int fd, unsigned long request, void* arg) {
  return dmabuf::Ioctl(fd, request, arg, dmabuf::Restart::kInterruptedOrAgain);
}

// A JS array of u32 ids.
inline Napi::Array IdArray(Napi::Env env, const uint32_t* ids, size_t n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) a.Set(i, Napi::Number::New(env, ids[i]));
  return a;
}

inline uint64_t Ptr(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

// struct drm_mode_modeinfo <-> a plain JS object with the same fields.
Napi::Object ModeToJs(Napi::Env env, const drm_mode_modeinfo& m);
// (a refused field is thrown and leaves `a` false)
void ModeFromJs(Args& a, const Napi::Object& o, drm_mode_modeinfo* m);
