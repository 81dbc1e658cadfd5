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
#include <cstring>
#include <fcntl.h>
#include <type_traits>
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

// Where the arrays of a KMS GET ioctl go: size(v, n) makes v hold n elements
// (a checking sizer leaves v as it is) and gives their address as the uAPI's
// u64 pointer; tooSmall() says whether one of them held fewer than n.
class ArraySizer {
 public:
  explicit ArraySizer(bool checkOnly = false) : checkOnly_(checkOnly) {}
  template <typename T>
  uint64_t operator()(std::vector<T>& v, uint32_t n) {
    if (n > v.size()) tooSmall_ = true;
    if (!checkOnly_) v.resize(n);
    return Ptr(v.data());
  }
  bool tooSmall() const { return tooSmall_; }

 private:
  bool checkOnly_;
  bool tooSmall_ = false;
};

// A KMS GET ioctl that fills arrays (GETRESOURCES, GETCONNECTOR, GETPLANE,
// GETPROPERTY, OBJ_GETPROPERTIES, …), called as libdrm does: a first call on
// `query` (the struct with its ids set, no arrays) says how many elements
// there are; point(s, size) sets each array pointer of s to size(its vector,
// its count in s); a second call fills them. When the kernel then counts more
// than the arrays hold (they grew in between: a hotplug), all again, up to 8
// times; after that the first call's counts stand (the arrays are sized to
// them). 0 with *out filled in, or -errno.
template <typename S, typename Point>
int GetWithArrays(int fd, unsigned long request, const S& query, S* out, Point point) {
  for (int tries = 0; tries < 8; tries++) {
    S counted = query;
    if (int r = Ioctl(fd, request, &counted); r < 0) return r;
    *out = counted;
    S filled = counted;
    ArraySizer sized;
    point(filled, sized);
    if (int r = Ioctl(fd, request, &filled); r < 0) return r;
    S check = filled;  // the second call's counts against the arrays
    ArraySizer fits(true);
    point(check, fits);
    if (!fits.tooSmall()) {
      *out = filled;
      break;
    }
  }
  return 0;
}

// A binding (fd, id) -> 0 or -errno for an ioctl whose struct starts with
// the u32 id it acts on, the rest zero: RMFB, DIRTYFB (no clips),
// DESTROY_DUMB, GEM_CLOSE, DESTROYPROPBLOB, VGEM_FENCE_SIGNAL. `name` is the
// id's argument name in a refusal.
template <typename Struct>
Napi::Value OnId(const Napi::CallbackInfo& info, unsigned long request, const char* name) {
  static_assert(std::is_standard_layout_v<Struct> && sizeof(Struct) >= sizeof(uint32_t), "the u32 id comes first");
  Args a(info);
  Struct s{};
  int fd = a.Fd(0, "fd");
  uint32_t id = a.U32(1, name);
  if (!a) return a.Thrown();
  std::memcpy(&s, &id, sizeof(id));
  return Napi::Number::New(info.Env(), Ioctl(fd, request, &s));
}

// A binding (fd, id) -> toJs(env, the struct the kernel filled in), or
// -errno, for a GET ioctl on one object named by a u32: GETENCODER, GETCRTC,
// GET_CAP. `id` is the struct's field the id goes to, `name` the id's
// argument name in a refusal.
template <typename Struct, typename Field, typename ToJs>
Napi::Value GetById(const Napi::CallbackInfo& info, unsigned long request, Field Struct::*id, const char* name, ToJs toJs) {
  Args a(info);
  Struct s{};
  int fd = a.Fd(0, "fd");
  s.*id = a.U32(1, name);
  if (!a) return a.Thrown();
  int r = Ioctl(fd, request, &s);
  if (r < 0) return Errno(info.Env(), -r);
  return toJs(info.Env(), s);
}

// A fixed-size, maybe not NUL-terminated name field of a uAPI struct as a JS string.
template <size_t N>
Napi::String NameOf(Napi::Env env, const char (&name)[N]) {
  return Napi::String::New(env, name, strnlen(name, N));
}

// struct drm_mode_modeinfo <-> a plain JS object with the same fields.
Napi::Object ModeToJs(Napi::Env env, const drm_mode_modeinfo& m);
// (a refused field is thrown and leaves `a` false)
void ModeFromJs(Args& a, const Napi::Object& o, drm_mode_modeinfo* m);
