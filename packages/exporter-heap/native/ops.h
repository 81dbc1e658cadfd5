// The dma-heap addon: opening a heap and DMA_HEAP_IOCTL_ALLOC, nothing else.
// Convention: arguments are validated in TypeScript; a failing syscall
// returns -errno (a negative number), never throws, never aborts.
#pragma once
#include <napi.h>

void InitHeapOps(Napi::Env env, Napi::Object exports);

inline Napi::Value Errno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }
inline int IntArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
