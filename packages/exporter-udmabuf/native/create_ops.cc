// UDMABUF_CREATE and UDMABUF_CREATE_LIST.
#include <errno.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>

#include <cstdlib>
#include <cstring>

#include "ops.h"

namespace {

__u64 U64Arg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<__u64>(info[i].As<Napi::Number>().Int64Value());
}

// create(devFd, memfd, offset, size, flags) -> dma-buf fd or -errno
Napi::Value Create(const Napi::CallbackInfo& info) {
  struct udmabuf_create c;
  std::memset(&c, 0, sizeof(c));
  c.memfd = static_cast<__u32>(IntArg(info, 1));
  c.offset = U64Arg(info, 2);
  c.size = U64Arg(info, 3);
  c.flags = static_cast<__u32>(IntArg(info, 4));
  int fd = ioctl(IntArg(info, 0), UDMABUF_CREATE, &c);
  return fd < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), fd);
}

// createList(devFd, flags, items) -> dma-buf fd or -errno
// items: Float64Array of [memfd, offset, size] triples (values are exact
// integers below 2^53, checked in TypeScript).
Napi::Value CreateList(const Napi::CallbackInfo& info) {
  auto items = info[2].As<Napi::Float64Array>();
  size_t count = items.ElementLength() / 3;
  size_t bytes = sizeof(struct udmabuf_create_list) + count * sizeof(struct udmabuf_create_item);
  auto* head = static_cast<struct udmabuf_create_list*>(std::calloc(1, bytes));
  if (head == nullptr) return Errno(info.Env(), ENOMEM);
  head->flags = static_cast<__u32>(IntArg(info, 1));
  head->count = static_cast<__u32>(count);
  const double* v = items.Data();
  for (size_t i = 0; i < count; i++) {
    head->list[i].memfd = static_cast<__u32>(v[3 * i]);
    head->list[i].offset = static_cast<__u64>(v[3 * i + 1]);
    head->list[i].size = static_cast<__u64>(v[3 * i + 2]);
  }
  int fd = ioctl(IntArg(info, 0), UDMABUF_CREATE_LIST, head);
  int err = errno;
  std::free(head);
  return fd < 0 ? Errno(info.Env(), err) : Napi::Number::New(info.Env(), fd);
}

}  // namespace

void InitCreateOps(Napi::Env env, Napi::Object exports) {
  exports.Set("create", Napi::Function::New(env, Create, "create"));
  exports.Set("createList", Napi::Function::New(env, CreateList, "createList"));
  auto c = Napi::Object::New(env);
  c.Set("UDMABUF_FLAGS_CLOEXEC", UDMABUF_FLAGS_CLOEXEC);
  exports.Set("udmabuf", c);
}
