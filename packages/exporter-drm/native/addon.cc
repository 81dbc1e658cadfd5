#include "ops.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  dmabuf::InitToolkit(env, exports);
  InitDeviceOps(env, exports);
  InitGemOps(env, exports);
  InitModeOps(env, exports);
  InitPropOps(env, exports);
  InitFbOps(env, exports);
  InitEventOps(env, exports);
  InitVgemOps(env, exports);
  InitPortOps(env, exports);
  return exports;
}

NODE_API_MODULE(dmabuf_drm, Init)
