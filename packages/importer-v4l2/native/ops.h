// Registration of each group of V4L2 ioctls.
// Convention for every function (core's native toolkit, <dmabuf/toolkit.h>):
// arguments are validated in TypeScript and checked again by dmabuf::Args
// before any ioctl; a failing syscall returns -errno (a negative number)
// instead of throwing, so TypeScript builds the typed error with a JS stack.
// V4L2 ioctls go through dmabuf::Ioctl (restarted on EINTR only: EAGAIN from
// DQBUF on the non-blocking fd means "nothing ready"). Readiness is core's
// watcher (FdWatcher in TS, dmabuf::Watch in C++).
#pragma once
#include <dmabuf/toolkit.h>
#include <napi.h>

// Each file's group of bindings (its Init*), which addon.cc hands to dmabuf::InitAddon.
dmabuf::Group InitDeviceOps, InitControlOps, InitBufferOps, InitEventOps, InitMediaOps, InitPortOps;

using dmabuf::Args;
using dmabuf::Errno;
