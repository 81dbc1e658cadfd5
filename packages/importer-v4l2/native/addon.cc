#include "ops.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  dmabuf::InitToolkit(env, exports);
  InitDeviceOps(env, exports);
  InitControlOps(env, exports);
  InitBufferOps(env, exports);
  InitEventOps(env, exports);
  InitMediaOps(env, exports);
  InitPortOps(env, exports);
  return exports;
}

NODE_API_MODULE(dmabuf_v4l2, Init)
