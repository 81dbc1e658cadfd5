// dup / close / fstat / lseek on any fd.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "ops.h"

// dup(fd) -> new CLOEXEC fd
static Napi::Value Dup(const Napi::CallbackInfo& info) {
  Args a(info);
  int from = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  int fd = fcntl(from, F_DUPFD_CLOEXEC, 3);
  return fd < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), fd);
}

static Napi::Value Close(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  // close() must not be retried on EINTR on Linux: the fd is gone either way.
  int rc = close(fd);
  return Napi::Number::New(info.Env(), rc < 0 && errno != EINTR ? -errno : 0);
}

// Close fds[0..n) (sorted here): runs of consecutive numbers (the kernel
// hands out the lowest free fd, so a batch of received fds usually is one
// run) go in one close_range() call. Only fds of the list are ever closed;
// inside a run, one that is not open is skipped without an error
// (close_range), a lone one gives EBADF. 0 or the first errno.
static int CloseSorted(int* fds, uint32_t n) {
  std::sort(fds, fds + n);
  int first_error = 0;
  auto fail = [&](int e) {
    if (e != EINTR && first_error == 0) first_error = e;
  };
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i;
    while (j + 1 < n && fds[j + 1] == fds[j] + 1) j++;
    bool done = false;
#ifdef SYS_close_range
    if (j > i) {
      if (syscall(SYS_close_range, static_cast<unsigned>(fds[i]), static_cast<unsigned>(fds[j]), 0) == 0)
        done = true;
      else if (errno != ENOSYS && errno != EINVAL)
        fail(errno), done = true;
    }
#endif
    if (!done)
      for (uint32_t k = i; k <= j; k++)
        if (close(fds[k]) < 0) fail(errno);
    i = j + 1;
  }
  return first_error;
}

// closeFds([fd, ...]) -> 0 or the first -errno. Closes every fd of the list
// (see CloseSorted). For fds the caller owns (received ones); the list is
// checked in TS.
static Napi::Value CloseFds(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int> fds = a.FdArray(0, "fds");
  if (!a) return a.Thrown();
  return Napi::Number::New(info.Env(), -CloseSorted(fds.data(), static_cast<uint32_t>(fds.size())));
}

// closeFdsIn(list, from, to) -> 0 or the first -errno. Closes the fds of an
// Int32Array's elements from..to (as closeFds; a negative element is no fd
// and skipped): a received batch's fds straight from receiveMessages' meta,
// read without an array element call each. -EINVAL when from..to is not
// inside the list. The list is not changed.
static Napi::Value CloseFdsIn(const Napi::CallbackInfo& info) {
  Args a(info);
  size_t length;
  int32_t* list = a.Int32Span(0, "list", &length);
  uint32_t from = a.U32(1, "from");
  uint32_t to = a.U32(2, "to");
  if (!a) return a.Thrown();
  if (from > to || to > length) return Napi::Number::New(info.Env(), -EINVAL);
  int onStack[512];  // a full received batch: 32 messages of up to 16 fds
  std::vector<int> onHeap;
  int* fds = onStack;
  if (to - from > 512) {
    onHeap.resize(to - from);
    fds = onHeap.data();
  }
  uint32_t n = 0;
  for (uint32_t i = from; i < to; i++)
    if (list[i] >= 0) fds[n++] = list[i];
  return Napi::Number::New(info.Env(), -CloseSorted(fds, n));
}

// fstat(fd) -> { dev, ino, mode, size, rdev } or -errno
static Napi::Value Fstat(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  struct stat st;
  if (fstat(fd, &st) < 0) return Errno(info.Env(), errno);
  auto o = Napi::Object::New(info.Env());
  o.Set("dev", Napi::Number::New(info.Env(), static_cast<double>(st.st_dev)));
  o.Set("ino", Napi::Number::New(info.Env(), static_cast<double>(st.st_ino)));
  o.Set("mode", Napi::Number::New(info.Env(), st.st_mode));
  o.Set("size", Napi::Number::New(info.Env(), static_cast<double>(st.st_size)));
  o.Set("rdev", Napi::Number::New(info.Env(), static_cast<double>(st.st_rdev)));
  return o;
}

// lseek(fd, offset, whence) -> new offset or -errno
static Napi::Value Lseek(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  off_t off = static_cast<off_t>(a.I64(1, "offset"));
  int whence = a.I32(2, "whence");
  if (!a) return a.Thrown();
  off_t r = lseek(fd, off, whence);
  return r < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), static_cast<double>(r));
}

// fd flags (F_GETFD) -> flags or -errno; used to check CLOEXEC
static Napi::Value GetFdFlags(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  int r = fcntl(fd, F_GETFD);
  return r < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), r);
}

void InitFdOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"dup", Dup},
      {"close", Close},
      {"closeFds", CloseFds},
      {"closeFdsIn", CloseFdsIn},
      {"fstat", Fstat},
      {"lseek", Lseek},
      {"getFdFlags", GetFdFlags},
  });
}
