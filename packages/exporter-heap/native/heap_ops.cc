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
Napi::Value OpenHeap(const Napi::CallbackInfo& info) { return dmabuf::OpenPath(info, O_RDONLY); }

// alloc(heapFd, len, fdFlags, heapFlags) -> dma-buf fd or -errno
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Args a(info);
  struct dma_heap_allocation_data d;
  std::memset(&d, 0, sizeof(d));
  int heap = a.Fd(0, "heapFd");
  d.len = a.U64(1, "len");
  d.fd_flags = a.U32(2, "fdFlags");
  d.heap_flags = a.U64(3, "heapFlags");
  if (!a) return a.Thrown();
  int rc = dmabuf::Ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d);
  return dmabuf::Result(info.Env(), rc < 0 ? rc : static_cast<int64_t>(d.fd));
}

}  // namespace

void InitHeapOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"openHeap", OpenHeap},
      {"alloc", Alloc},
  });
  exports.Set("flags", dmabuf::Constants(env, {{"O_RDWR", O_RDWR}, {"O_CLOEXEC", O_CLOEXEC}, {"O_ACCMODE", O_ACCMODE}}));
}
