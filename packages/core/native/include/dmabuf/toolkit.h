// The native toolkit of dmabuf-js, shared by core and every driver addon
// (header-only: each .node gets its own copy, nothing is linked between
// addons). Found through `require('@dmabuf/core/native-build').include_dir`
// in a binding.gyp; see core's native-build.cjs.
//
//   result.h  -errno results and the one retry policy (Retry, Ioctl)
//   args.h    argument getters that refuse with a typed error before any syscall
//   watch.h   the readiness watcher on libuv
//   exports.h registration: tables of bindings and constants
//
// Every addon's Init is InitAddon(env, exports, {its groups}).
#pragma once
#include <fcntl.h>
#include <napi.h>

#include <string>

#include "args.h"
#include "exports.h"
#include "result.h"
#include "watch.h"

namespace dmabuf {

// open(path, flags | O_CLOEXEC) as a binding: (path) -> fd or -errno,
// restarted on EINTR. Every addon opens its device this way.
inline Napi::Value OpenPath(const Napi::CallbackInfo& info, int flags) {
  Args a(info);
  std::string path = a.String(0, "path");
  if (!a) return a.Thrown();
  return Result(info.Env(), Retry([&] { return open(path.c_str(), flags | O_CLOEXEC); }));
}

// setArgumentError(factory), which loadAddon calls once with
// (name, expected, received) => InvalidArgumentError.
inline Napi::Value SetArgumentError(const Napi::CallbackInfo& info) {
  Args a(info);
  Napi::Function f = a.Function(0, "factory");
  if (!a) return a.Thrown();
  GetInstance(info.Env())->argumentError = Napi::Persistent(f);
  return info.Env().Undefined();
}

// An addon's Init: set up the toolkit's per-environment data (the addon's
// instance data: use Instance::addon for state of the addon's own), export
// setArgumentError, then run each group of the addon's bindings in order.
//
//   static Napi::Object Init(Napi::Env env, Napi::Object exports) {
//     return dmabuf::InitAddon(env, exports, {InitDeviceOps, InitCreateOps});
//   }
//   NODE_API_MODULE(dmabuf_udmabuf, Init)
inline Napi::Object InitAddon(Napi::Env env, Napi::Object exports, std::initializer_list<Group*> groups) {
  env.SetInstanceData<Instance>(new Instance());
  Export(env, exports, {{"setArgumentError", SetArgumentError}});
  for (Group* group : groups) group(env, exports);
  return exports;
}

}  // namespace dmabuf
