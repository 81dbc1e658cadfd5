#include "ops.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  return dmabuf::InitAddon(env, exports, {
      InitFdOps, InitMmapOps, InitMemfdOps, InitSyncOps, InitPollOps, InitSocketOps, InitSocketSend,
      InitSocketReceive, InitConvertOps, InitLinkOps, InitLinkPorts
  });
}

NODE_API_MODULE(dmabuf_core, Init)
