// Dumb buffers, GEM handles and PRIME (handle <-> dma-buf fd).
#include "ops.h"

// DRM_IOCTL_MODE_CREATE_DUMB(width, height, bpp) -> { handle, pitch, size }.
static Napi::Value CreateDumb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  drm_mode_create_dumb c{};
  int fd = a.Fd(0, "fd");
  c.width = a.U32(1, "width");
  c.height = a.U32(2, "height");
  c.bpp = a.U32(3, "bpp");
  if (!a) return a.Thrown();
  int r = Ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c);
  if (r < 0) return Errno(env, -r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("handle", Napi::Number::New(env, c.handle));
  o.Set("pitch", Napi::Number::New(env, c.pitch));
  o.Set("size", Napi::Number::New(env, static_cast<double>(c.size)));
  return o;
}

static Napi::Value DestroyDumb(const Napi::CallbackInfo& info) {
  return OnId<drm_mode_destroy_dumb>(info, DRM_IOCTL_MODE_DESTROY_DUMB, "handle");
}

static Napi::Value GemClose(const Napi::CallbackInfo& info) { return OnId<drm_gem_close>(info, DRM_IOCTL_GEM_CLOSE, "handle"); }

// PRIME export: (fd, handle, readWrite) -> dma-buf fd, always CLOEXEC.
static Napi::Value HandleToFd(const Napi::CallbackInfo& info) {
  Args a(info);
  drm_prime_handle p{};
  int fd = a.Fd(0, "fd");
  p.handle = a.U32(1, "handle");
  p.flags = DRM_CLOEXEC | (a.Bool(2, "readWrite") ? DRM_RDWR : 0);
  if (!a) return a.Thrown();
  p.fd = -1;
  int r = Ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), p.fd);
}

// PRIME import: (fd, dmaBufFd) -> GEM handle (the same one for the same buffer).
static Napi::Value FdToHandle(const Napi::CallbackInfo& info) {
  Args a(info);
  drm_prime_handle p{};
  int fd = a.Fd(0, "fd");
  p.fd = a.Fd(1, "dmaBufFd");
  if (!a) return a.Thrown();
  int r = Ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), p.handle);
}

void InitGemOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"createDumb", CreateDumb},
      {"destroyDumb", DestroyDumb},
      {"gemClose", GemClose},
      {"primeHandleToFd", HandleToFd},
      {"primeFdToHandle", FdToHandle},
  });
}
