// memfd_create, ftruncate and file seals.
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "ops.h"

namespace {

// memfdCreate(name, flags) -> fd or -errno (flags: MFD_* bits; CLOEXEC is always added)
Napi::Value MemfdCreate(const Napi::CallbackInfo& info) {
  Args a(info);
  std::string name = a.String(0, "name");
  unsigned flags = a.U32(1, "flags") | MFD_CLOEXEC;
  if (!a) return a.Thrown();
  int fd = memfd_create(name.c_str(), flags);
  return fd < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), fd);
}

Napi::Value Ftruncate(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  off_t size = static_cast<off_t>(a.U64(1, "size"));
  if (!a) return a.Thrown();
  int rc = ftruncate(fd, size);
  return Napi::Number::New(info.Env(), rc < 0 ? -errno : 0);
}

Napi::Value AddSeals(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  int seals = a.I32(1, "seals");
  if (!a) return a.Thrown();
  int rc = fcntl(fd, F_ADD_SEALS, seals);
  return Napi::Number::New(info.Env(), rc < 0 ? -errno : 0);
}

Napi::Value GetSeals(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  int rc = fcntl(fd, F_GET_SEALS);
  return Napi::Number::New(info.Env(), rc < 0 ? -errno : rc);
}

// pwrite / pread(fd, buffer, offset) -> bytes or -errno (test data through the file, not a mapping)
Napi::Value Transfer(const Napi::CallbackInfo& info, bool write) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  auto buf = a.Bytes(1, "data");
  off_t offset = static_cast<off_t>(a.U64(2, "offset"));
  if (!a) return a.Thrown();
  ssize_t n = write ? pwrite(fd, buf.Data(), buf.ByteLength(), offset) : pread(fd, buf.Data(), buf.ByteLength(), offset);
  return Napi::Number::New(info.Env(), n < 0 ? -errno : static_cast<double>(n));
}

Napi::Value Pwrite(const Napi::CallbackInfo& info) { return Transfer(info, true); }
Napi::Value Pread(const Napi::CallbackInfo& info) { return Transfer(info, false); }

}  // namespace

void InitMemfdOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"memfdCreate", MemfdCreate},
      {"ftruncate", Ftruncate},
      {"addSeals", AddSeals},
      {"getSeals", GetSeals},
      {"pwrite", Pwrite},
      {"pread", Pread},
  });
  exports.Set("memfd", dmabuf::Constants(env, {
      {"MFD_ALLOW_SEALING", MFD_ALLOW_SEALING},
      {"MFD_HUGETLB", MFD_HUGETLB},
      {"F_SEAL_SEAL", F_SEAL_SEAL},
      {"F_SEAL_SHRINK", F_SEAL_SHRINK},
      {"F_SEAL_GROW", F_SEAL_GROW},
      {"F_SEAL_WRITE", F_SEAL_WRITE},
  }));
}
