#include "ops.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  return dmabuf::InitAddon(env, exports, {
      InitDeviceOps, InitGemOps, InitModeOps, InitPropOps, InitFbOps, InitEventOps, InitVgemOps, InitPortOps
  });
}

NODE_API_MODULE(dmabuf_drm, Init)
