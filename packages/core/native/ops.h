// Registration of each group of generic dma-buf file operations.
// Convention for every function (the toolkit in include/dmabuf): arguments
// are validated in TypeScript and checked again by dmabuf::Args before any
// syscall; a failing syscall returns -errno (a negative number) instead of
// throwing, so TypeScript builds the typed error with a JS stack.
#pragma once
#include <dmabuf/toolkit.h>
#include <napi.h>

void InitFdOps(Napi::Env env, Napi::Object exports);
void InitMmapOps(Napi::Env env, Napi::Object exports);
void InitMemfdOps(Napi::Env env, Napi::Object exports);
void InitSyncOps(Napi::Env env, Napi::Object exports);
void InitPollOps(Napi::Env env, Napi::Object exports);
void InitSocketOps(Napi::Env env, Napi::Object exports);
void InitConvertOps(Napi::Env env, Napi::Object exports);
void InitLinkOps(Napi::Env env, Napi::Object exports);
void InitLinkPorts(Napi::Env env, Napi::Object exports);

using dmabuf::Args;
using dmabuf::Errno;
