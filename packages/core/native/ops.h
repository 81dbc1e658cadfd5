// Registration of each group of generic dma-buf file operations.
// Convention for every function: arguments are already validated in
// TypeScript; a failing syscall returns -errno (a negative number) instead of
// throwing, so TypeScript builds the typed error with a JS stack.
#pragma once
#include <napi.h>

void InitFdOps(Napi::Env env, Napi::Object exports);
void InitMmapOps(Napi::Env env, Napi::Object exports);
void InitMemfdOps(Napi::Env env, Napi::Object exports);
void InitSyncOps(Napi::Env env, Napi::Object exports);
void InitPollOps(Napi::Env env, Napi::Object exports);
void InitSocketOps(Napi::Env env, Napi::Object exports);
void InitConvertOps(Napi::Env env, Napi::Object exports);

// -errno as a JS number.
inline Napi::Value Errno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }
