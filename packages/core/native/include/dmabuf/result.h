// Results of native calls as dmabuf-js returns them to TypeScript: a value
// >= 0, or -errno (never a throw), so TypeScript builds the typed error with
// a JS stack. And the one retry policy for interrupted syscalls.
#pragma once
#include <errno.h>
#include <napi.h>
#include <sys/ioctl.h>

#include <cstdint>

namespace dmabuf {

// -errno as a JS number, from a positive errno (Errno(env, errno)).
inline Napi::Value Errno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }

// A result that already is a value >= 0 or -errno, as a JS number.
inline Napi::Value Result(Napi::Env env, int64_t rc) { return Napi::Number::New(env, static_cast<double>(rc)); }

// When a failed syscall is started again.
enum class Restart {
  // EINTR only: a signal came in before the call did anything. The default:
  // EAGAIN on a non-blocking fd means "not now" (V4L2 DQBUF with nothing
  // done, a socket with nothing to read) and is the caller's to handle.
  kInterrupted,
  // EINTR and EAGAIN: the DRM convention (libdrm's drmIoctl), where EAGAIN
  // means the driver wants the same call again, not that nothing is ready.
  kInterruptedOrAgain,
};

// Run `call` (a libc call: -1 and errno on failure) until it is not
// interrupted; its result, or -errno. Never for close(): on Linux the fd is
// gone even when close() says EINTR.
template <typename Call>
inline auto Retry(Call&& call, Restart restart = Restart::kInterrupted) -> decltype(call()) {
  decltype(call()) rc;
  do {
    rc = call();
  } while (rc == -1 && (errno == EINTR || (restart == Restart::kInterruptedOrAgain && errno == EAGAIN)));
  return rc == -1 ? -errno : rc;
}

// ioctl(fd, request, arg) under Retry: its result (>= 0) or -errno.
inline int Ioctl(int fd, unsigned long request, void* arg, Restart restart = Restart::kInterrupted) {
  return Retry([&] { return ioctl(fd, request, arg); }, restart);
}

// A libc result (-1 and errno on failure) as the result or -errno, no retry.
template <typename T>
inline T OrErrno(T rc) {
  return rc == -1 ? -errno : rc;
}

}  // namespace dmabuf
