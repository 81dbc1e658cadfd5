// Registration of each group of V4L2 ioctls.
// Convention for every function: arguments are already validated in
// TypeScript; a failing syscall returns -errno (a negative number) instead of
// throwing, so TypeScript builds the typed error with a JS stack.
#pragma once
#include <errno.h>
#include <napi.h>
#include <sys/ioctl.h>

void InitDeviceOps(Napi::Env env, Napi::Object exports);
void InitControlOps(Napi::Env env, Napi::Object exports);
void InitBufferOps(Napi::Env env, Napi::Object exports);
void InitPollOps(Napi::Env env, Napi::Object exports);
void InitEventOps(Napi::Env env, Napi::Object exports);
void InitMediaOps(Napi::Env env, Napi::Object exports);

// -errno as a JS number.
inline Napi::Value Errno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }

inline int ArgInt(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
inline unsigned ArgU32(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Uint32Value(); }

// ioctl retried on EINTR (V4L2 ioctls may be interrupted by signals).
inline int Xioctl(int fd, unsigned long req, void* arg) {
  int rc;
  do {
    rc = ioctl(fd, req, arg);
  } while (rc < 0 && errno == EINTR);
  return rc;
}
