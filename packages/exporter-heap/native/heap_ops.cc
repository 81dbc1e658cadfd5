// open() of a dma-heap and DMA_HEAP_IOCTL_ALLOC.
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "ops.h"

namespace {

// openHeap(path) -> fd (O_RDONLY | O_CLOEXEC) or -errno
Napi::Value OpenHeap(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd;
  do {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), fd);
}

// alloc(heapFd, len, fdFlags, heapFlags) -> dma-buf fd or -errno
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  struct dma_heap_allocation_data d;
  std::memset(&d, 0, sizeof(d));
  d.len = static_cast<__u64>(info[1].As<Napi::Number>().Int64Value());
  d.fd_flags = static_cast<__u32>(info[2].As<Napi::Number>().Int64Value());
  d.heap_flags = static_cast<__u64>(info[3].As<Napi::Number>().Int64Value());
  int rc;
  do {
    rc = ioctl(IntArg(info, 0), DMA_HEAP_IOCTL_ALLOC, &d);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), static_cast<double>(d.fd));
}

}  // namespace

void InitHeapOps(Napi::Env env, Napi::Object exports) {
  exports.Set("openHeap", Napi::Function::New(env, OpenHeap, "openHeap"));
  exports.Set("alloc", Napi::Function::New(env, Alloc, "alloc"));
  auto c = Napi::Object::New(env);
  c.Set("O_RDWR", O_RDWR);
  c.Set("O_CLOEXEC", O_CLOEXEC);
  c.Set("O_ACCMODE", O_ACCMODE);
  exports.Set("flags", c);
}
