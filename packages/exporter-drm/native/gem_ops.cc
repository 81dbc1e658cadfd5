// Dumb buffers, GEM handles and PRIME (handle <-> dma-buf fd).
#include "ops.h"

// DRM_IOCTL_MODE_CREATE_DUMB(width, height, bpp) -> { handle, pitch, size }.
static Napi::Value CreateDumb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  drm_mode_create_dumb c{};
  c.width = ArgU32(info, 1);
  c.height = ArgU32(info, 2);
  c.bpp = ArgU32(info, 3);
  int r = Ioctl(ArgInt(info, 0), DRM_IOCTL_MODE_CREATE_DUMB, &c);
  if (r < 0) return Errno(env, -r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("handle", Napi::Number::New(env, c.handle));
  o.Set("pitch", Napi::Number::New(env, c.pitch));
  o.Set("size", Napi::Number::New(env, static_cast<double>(c.size)));
  return o;
}

static Napi::Value DestroyDumb(const Napi::CallbackInfo& info) {
  drm_mode_destroy_dumb d{};
  d.handle = ArgU32(info, 1);
  return Napi::Number::New(info.Env(), Ioctl(ArgInt(info, 0), DRM_IOCTL_MODE_DESTROY_DUMB, &d));
}

static Napi::Value GemClose(const Napi::CallbackInfo& info) {
  drm_gem_close c{};
  c.handle = ArgU32(info, 1);
  return Napi::Number::New(info.Env(), Ioctl(ArgInt(info, 0), DRM_IOCTL_GEM_CLOSE, &c));
}

// PRIME export: (fd, handle, readWrite) -> dma-buf fd, always CLOEXEC.
static Napi::Value HandleToFd(const Napi::CallbackInfo& info) {
  drm_prime_handle p{};
  p.handle = ArgU32(info, 1);
  p.flags = DRM_CLOEXEC | (info[2].As<Napi::Boolean>().Value() ? DRM_RDWR : 0);
  p.fd = -1;
  int r = Ioctl(ArgInt(info, 0), DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), p.fd);
}

// PRIME import: (fd, dmaBufFd) -> GEM handle (the same one for the same buffer).
static Napi::Value FdToHandle(const Napi::CallbackInfo& info) {
  drm_prime_handle p{};
  p.fd = ArgInt(info, 1);
  int r = Ioctl(ArgInt(info, 0), DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), p.handle);
}

void InitGemOps(Napi::Env env, Napi::Object exports) {
  exports.Set("createDumb", Napi::Function::New(env, CreateDumb, "createDumb"));
  exports.Set("destroyDumb", Napi::Function::New(env, DestroyDumb, "destroyDumb"));
  exports.Set("gemClose", Napi::Function::New(env, GemClose, "gemClose"));
  exports.Set("primeHandleToFd", Napi::Function::New(env, HandleToFd, "primeHandleToFd"));
  exports.Set("primeFdToHandle", Napi::Function::New(env, FdToHandle, "primeFdToHandle"));
}
