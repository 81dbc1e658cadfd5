// The native toolkit of dmabuf-js, shared by core and every driver addon
// (header-only: each .node gets its own copy, nothing is linked between
// addons). Found through `require('@dmabuf/core/native-build').include_dir`
// in a binding.gyp; see core's native-build.cjs.
//
//   result.h  -errno results and the one retry policy (Retry, Ioctl)
//   args.h    argument getters that refuse with a typed error before any syscall
//   watch.h   the readiness watcher on libuv
//
// Every addon's Init calls InitToolkit(env, exports) first.
#pragma once
#include <fcntl.h>
#include <napi.h>

#include <string>

#include "args.h"
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

// Set up the toolkit's per-environment data (the addon's instance data: use
// Instance::addon for state of the addon's own) and export
// setArgumentError(factory), which loadAddon calls once with
// (name, expected, received) => InvalidArgumentError.
inline void InitToolkit(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<Instance>(new Instance());
  exports.Set("setArgumentError", Napi::Function::New(
                                      env,
                                      [](const Napi::CallbackInfo& info) -> Napi::Value {
                                        Args a(info);
                                        Napi::Function f = a.Function(0, "factory");
                                        if (!a) return a.Thrown();
                                        GetInstance(info.Env())->argumentError = Napi::Persistent(f);
                                        return info.Env().Undefined();
                                      },
                                      "setArgumentError"));
}

}  // namespace dmabuf
