#include "ops.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  return dmabuf::InitAddon(env, exports, {InitHeapOps});
}

NODE_API_MODULE(dmabuf_heap, Init)
