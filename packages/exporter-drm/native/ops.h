// Thin DRM ioctl bindings, one group of ioctls per file.
// Convention for every function: arguments are already validated in
// TypeScript; a failing ioctl returns -errno (a negative number) instead of
// throwing, so TypeScript builds the typed error (naming the device and the
// numbers) with a JS stack. Nothing here allocates policy or makes choices.
#pragma once
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

void InitDeviceOps(Napi::Env env, Napi::Object exports);
void InitGemOps(Napi::Env env, Napi::Object exports);
void InitModeOps(Napi::Env env, Napi::Object exports);
void InitPropOps(Napi::Env env, Napi::Object exports);
void InitFbOps(Napi::Env env, Napi::Object exports);
void InitEventOps(Napi::Env env, Napi::Object exports);
void InitVgemOps(Napi::Env env, Napi::Object exports);

// -errno as a JS number.
inline Napi::Value Errno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }

// ioctl, restarted on EINTR/EAGAIN as libdrm does; returns 0 or -errno.
inline int Ioctl(int fd, unsigned long request, void* arg) {
  int r;
  do {
    r = ioctl(fd, request, arg);
  } while (r == -1 && (errno == EINTR || errno == EAGAIN));
  return r == -1 ? -errno : 0;
}

inline int ArgInt(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
inline uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Uint32Value(); }
inline uint64_t ArgU64(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsBigInt()) {
    bool lossless;
    return info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return static_cast<uint64_t>(info[i].As<Napi::Number>().Int64Value());
}

// A JS array of numbers as u32s.
inline std::vector<uint32_t> U32Array(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<uint32_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Uint32Value();
  return out;
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
void ModeFromJs(const Napi::Object& o, drm_mode_modeinfo* m);
