#include "ops.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  dmabuf::InitToolkit(env, exports);
  InitFdOps(env, exports);
  InitMmapOps(env, exports);
  InitMemfdOps(env, exports);
  InitSyncOps(env, exports);
  InitPollOps(env, exports);
  InitSocketOps(env, exports);
  InitConvertOps(env, exports);
  InitLinkOps(env, exports);
  InitLinkPorts(env, exports);
  return exports;
}

NODE_API_MODULE(dmabuf_core, Init)
