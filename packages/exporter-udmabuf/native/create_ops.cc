// UDMABUF_CREATE and UDMABUF_CREATE_LIST.
#include <errno.h>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "ops.h"

namespace {

// create(devFd, memfd, offset, size, flags) -> dma-buf fd or -errno
Napi::Value Create(const Napi::CallbackInfo& info) {
  Args a(info);
  struct udmabuf_create c;
  std::memset(&c, 0, sizeof(c));
  int dev = a.Fd(0, "devFd");
  c.memfd = static_cast<__u32>(a.Fd(1, "memfd"));
  c.offset = a.U64(2, "offset");
  c.size = a.U64(3, "size");
  c.flags = a.U32(4, "flags");
  if (!a) return a.Thrown();
  return dmabuf::Result(info.Env(), dmabuf::Ioctl(dev, UDMABUF_CREATE, &c));
}

// createList(devFd, flags, items) -> dma-buf fd or -errno
// items: Float64Array of [memfd, offset, size] triples (values are exact
// integers below 2^53, checked in TypeScript).
Napi::Value CreateList(const Napi::CallbackInfo& info) {
  Args a(info);
  int dev = a.Fd(0, "devFd");
  __u32 flags = a.U32(1, "flags");
  auto items = a.Integers(2, "items");
  if (!a) return a.Thrown();
  size_t count = items.ElementLength() / 3;
  size_t bytes = sizeof(struct udmabuf_create_list) + count * sizeof(struct udmabuf_create_item);
  auto* head = static_cast<struct udmabuf_create_list*>(std::calloc(1, bytes));
  if (head == nullptr) return Errno(info.Env(), ENOMEM);
  head->flags = flags;
  head->count = static_cast<__u32>(count);
  const double* v = items.Data();
  for (size_t i = 0; i < count; i++) {
    head->list[i].memfd = static_cast<__u32>(v[3 * i]);
    head->list[i].offset = static_cast<__u64>(v[3 * i + 1]);
    head->list[i].size = static_cast<__u64>(v[3 * i + 2]);
  }
  int fd = dmabuf::Ioctl(dev, UDMABUF_CREATE_LIST, head);
  std::free(head);
  return dmabuf::Result(info.Env(), fd);
}

// Steps of createOwn, reported with the errno of the one that failed.
enum Step { kMemfdCreate = 1, kFtruncate = 2, kAddSeals = 3, kCreate = 4 };
constexpr int kStepShift = 4096;  // errno values are below this

// createOwn(devFd, name, memfdSize, memfdFlags, seals, bufSize, flags)
//   -> dma-buf fd, or -(step * 4096 + errno)
// memfd_create + ftruncate + F_ADD_SEALS + UDMABUF_CREATE + close(memfd) in
// one call (a buffer on a memfd of its own); the memfd is closed on every path.
Napi::Value CreateOwn(const Napi::CallbackInfo& info) {
  Args a(info);
  int dev = a.Fd(0, "devFd");
  std::string name = a.String(1, "name");
  off_t memfdSize = static_cast<off_t>(a.U64(2, "memfdSize"));
  unsigned memfdFlags = a.U32(3, "memfdFlags") | MFD_CLOEXEC;
  int seals = a.I32(4, "seals");
  __u64 size = a.U64(5, "bufSize");
  __u32 flags = a.U32(6, "flags");
  if (!a) return a.Thrown();
  auto fail = [&](int step, int err) { return Napi::Number::New(info.Env(), -(step * kStepShift + err)); };
  int memfd = memfd_create(name.c_str(), memfdFlags);
  if (memfd < 0) return fail(kMemfdCreate, errno);
  if (ftruncate(memfd, memfdSize) < 0) {
    int err = errno;
    close(memfd);
    return fail(kFtruncate, err);
  }
  if (seals != 0 && fcntl(memfd, F_ADD_SEALS, seals) < 0) {
    int err = errno;
    close(memfd);
    return fail(kAddSeals, err);
  }
  struct udmabuf_create c;
  std::memset(&c, 0, sizeof(c));
  c.memfd = static_cast<__u32>(memfd);
  c.offset = 0;
  c.size = size;
  c.flags = flags;
  int fd = dmabuf::Ioctl(dev, UDMABUF_CREATE, &c);
  close(memfd);
  return fd < 0 ? fail(kCreate, -fd) : Napi::Number::New(info.Env(), fd);
}

}  // namespace

void InitCreateOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"create", Create},
      {"createList", CreateList},
      {"createOwn", CreateOwn},
  });
  exports.Set("udmabuf", dmabuf::Constants(env, {{"UDMABUF_FLAGS_CLOEXEC", UDMABUF_FLAGS_CLOEXEC}}));
}
