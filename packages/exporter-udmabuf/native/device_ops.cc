// open() of the udmabuf misc device.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "ops.h"

namespace {

// openDevice(path) -> fd (O_RDWR | O_CLOEXEC) or -errno
Napi::Value OpenDevice(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd;
  do {
    fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), fd);
}

}  // namespace

void InitDeviceOps(Napi::Env env, Napi::Object exports) {
  exports.Set("openDevice", Napi::Function::New(env, OpenDevice, "openDevice"));
}
