// The dma-buf ioctls every dma-buf has: SYNC, SET_NAME, EXPORT/IMPORT_SYNC_FILE.
#include <errno.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>

#include <string>

#include "ops.h"

namespace {

int Fd(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

// sync(fd, flags) -> 0 or -errno; flags are passed through unchanged so the
// kernel's own validation can be observed.
Napi::Value Sync(const Napi::CallbackInfo& info) {
  struct dma_buf_sync s = {};
  s.flags = static_cast<__u64>(info[1].As<Napi::Number>().Int64Value());
  int rc;
  do {
    rc = ioctl(Fd(info, 0), DMA_BUF_IOCTL_SYNC, &s);
  } while (rc < 0 && (errno == EINTR || errno == EAGAIN));
  return Napi::Number::New(info.Env(), rc < 0 ? -errno : 0);
}

Napi::Value SetName(const Napi::CallbackInfo& info) {
  std::string name = info[1].As<Napi::String>().Utf8Value();
  int rc = ioctl(Fd(info, 0), DMA_BUF_SET_NAME, name.c_str());
  return Napi::Number::New(info.Env(), rc < 0 ? -errno : 0);
}

// exportSyncFile(fd, flags) -> sync_file fd or -errno
Napi::Value ExportSyncFile(const Napi::CallbackInfo& info) {
  struct dma_buf_export_sync_file a = {};
  a.flags = info[1].As<Napi::Number>().Uint32Value();
  a.fd = -1;
  int rc = ioctl(Fd(info, 0), DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &a);
  return Napi::Number::New(info.Env(), rc < 0 ? -errno : a.fd);
}

// importSyncFile(fd, flags, syncFd) -> 0 or -errno
Napi::Value ImportSyncFile(const Napi::CallbackInfo& info) {
  struct dma_buf_import_sync_file a = {};
  a.flags = info[1].As<Napi::Number>().Uint32Value();
  a.fd = Fd(info, 2);
  int rc = ioctl(Fd(info, 0), DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &a);
  return Napi::Number::New(info.Env(), rc < 0 ? -errno : 0);
}

}  // namespace

void InitSyncOps(Napi::Env env, Napi::Object exports) {
  exports.Set("sync", Napi::Function::New(env, Sync, "sync"));
  exports.Set("setName", Napi::Function::New(env, SetName, "setName"));
  exports.Set("exportSyncFile", Napi::Function::New(env, ExportSyncFile, "exportSyncFile"));
  exports.Set("importSyncFile", Napi::Function::New(env, ImportSyncFile, "importSyncFile"));
  auto c = Napi::Object::New(env);
  c.Set("READ", DMA_BUF_SYNC_READ);
  c.Set("WRITE", DMA_BUF_SYNC_WRITE);
  c.Set("RW", DMA_BUF_SYNC_RW);
  c.Set("START", DMA_BUF_SYNC_START);
  c.Set("END", DMA_BUF_SYNC_END);
  exports.Set("dmaBufSync", c);
}
