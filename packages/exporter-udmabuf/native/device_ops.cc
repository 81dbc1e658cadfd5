// open() of the udmabuf misc device.
#include <fcntl.h>

#include "ops.h"

namespace {

// openDevice(path) -> fd (O_RDWR | O_CLOEXEC) or -errno
Napi::Value OpenDevice(const Napi::CallbackInfo& info) { return dmabuf::OpenPath(info, O_RDWR); }

}  // namespace

void InitDeviceOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {{"openDevice", OpenDevice}});
}
