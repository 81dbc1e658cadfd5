#include "ops.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  return dmabuf::InitAddon(env, exports, {
      InitDeviceOps, InitControlOps, InitBufferOps, InitEventOps, InitMediaOps, InitPortOps
  });
}

NODE_API_MODULE(dmabuf_v4l2, Init)
