// Registration of each group of generic dma-buf file operations.
// Convention for every function (the toolkit in include/dmabuf): arguments
// are validated in TypeScript and checked again by dmabuf::Args before any
// syscall; a failing syscall returns -errno (a negative number) instead of
// throwing, so TypeScript builds the typed error with a JS stack.
#pragma once
#include <dmabuf/toolkit.h>
#include <napi.h>

// Each file's group of bindings (its Init*), which addon.cc hands to dmabuf::InitAddon.
dmabuf::Group InitFdOps, InitMmapOps, InitMemfdOps, InitSyncOps, InitPollOps, InitSocketOps, InitSocketSend,
    InitSocketReceive, InitConvertOps, InitLinkOps, InitLinkPorts;

using dmabuf::Args;
using dmabuf::Errno;
