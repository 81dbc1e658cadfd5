#include "ops.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  dmabuf::InitToolkit(env, exports);
  InitDeviceOps(env, exports);
  InitCreateOps(env, exports);
  return exports;
}

NODE_API_MODULE(dmabuf_udmabuf, Init)
