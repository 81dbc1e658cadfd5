// The dma-buf ioctls every dma-buf has: SYNC, SET_NAME, EXPORT/IMPORT_SYNC_FILE.
#include <errno.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>

#include <string>

#include "ops.h"

namespace {

// sync(fd, flags) -> 0 or -errno; flags are passed through unchanged so the
// kernel's own validation can be observed.
Napi::Value Sync(const Napi::CallbackInfo& info) {
  Args a(info);
  struct dma_buf_sync s = {};
  int fd = a.Fd(0, "fd");
  s.flags = a.U64(1, "flags");
  if (!a) return a.Thrown();
  // The kernel's dma_buf_sync may ask for the call again (EAGAIN) while a fence is pending.
  return dmabuf::Result(info.Env(), dmabuf::Ioctl(fd, DMA_BUF_IOCTL_SYNC, &s, dmabuf::Restart::kInterruptedOrAgain));
}

Napi::Value SetName(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  std::string name = a.String(1, "name");
  if (!a) return a.Thrown();
  return dmabuf::Result(info.Env(), dmabuf::Ioctl(fd, DMA_BUF_SET_NAME, const_cast<char*>(name.c_str())));
}

// exportSyncFile(fd, flags) -> sync_file fd or -errno
Napi::Value ExportSyncFile(const Napi::CallbackInfo& info) {
  Args a(info);
  struct dma_buf_export_sync_file e = {};
  int fd = a.Fd(0, "fd");
  e.flags = a.U32(1, "flags");
  if (!a) return a.Thrown();
  e.fd = -1;
  int rc = dmabuf::Ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e);
  return dmabuf::Result(info.Env(), rc < 0 ? rc : e.fd);
}

// importSyncFile(fd, flags, syncFd) -> 0 or -errno
Napi::Value ImportSyncFile(const Napi::CallbackInfo& info) {
  Args a(info);
  struct dma_buf_import_sync_file im = {};
  int fd = a.Fd(0, "fd");
  im.flags = a.U32(1, "flags");
  im.fd = a.Fd(2, "syncFd");
  if (!a) return a.Thrown();
  return dmabuf::Result(info.Env(), dmabuf::Ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im));
}

}  // namespace

void InitSyncOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"sync", Sync},
      {"setName", SetName},
      {"exportSyncFile", ExportSyncFile},
      {"importSyncFile", ImportSyncFile},
  });
  exports.Set("dmaBufSync", dmabuf::Constants(env, {
      {"READ", DMA_BUF_SYNC_READ},
      {"WRITE", DMA_BUF_SYNC_WRITE},
      {"RW", DMA_BUF_SYNC_RW},
      {"START", DMA_BUF_SYNC_START},
      {"END", DMA_BUF_SYNC_END},
  }));
}
