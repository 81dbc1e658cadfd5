// The udmabuf addon: opening /dev/udmabuf and its two ioctls, nothing else.
// Convention (core's native toolkit, <dmabuf/toolkit.h>): arguments are
// validated in TypeScript and checked again by dmabuf::Args before any
// syscall; a failing syscall returns -errno (a negative number), never
// throws, never aborts.
#pragma once
#include <dmabuf/toolkit.h>
#include <napi.h>

// Each file's group of bindings (its Init*), which addon.cc hands to dmabuf::InitAddon.
dmabuf::Group InitDeviceOps, InitCreateOps;

using dmabuf::Args;
using dmabuf::Errno;
