// What an addon puts on its exports, written as tables: the functions
// JavaScript calls (each under one name) and the constants it reads. Every
// file's Init* registers through these, so the shape is written once.
//
//   void InitSyncOps(Napi::Env env, Napi::Object exports) {
//     dmabuf::Export(env, exports, {
//         {"sync", Sync},
//         {"setName", SetName},
//     });
//     exports.Set("dmaBufSync", dmabuf::Constants(env, {
//         {"READ", DMA_BUF_SYNC_READ},
//         {"WRITE", DMA_BUF_SYNC_WRITE},
//     }));
//   }
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>

namespace dmabuf {

// A function JavaScript calls: its name there and the C++ behind it.
struct Binding {
  const char* name;
  Napi::Value (*fn)(const Napi::CallbackInfo& info);
};

// A number JavaScript reads (a flag bit, a count): its name and value.
struct Constant {
  const char* name;
  int64_t value;
};

// Set each binding on `target` as a function of its name. `data` is what
// every one of them finds in info.Data() (state they share), or nothing.
inline void Export(Napi::Env env, Napi::Object target, std::initializer_list<Binding> bindings, void* data = nullptr) {
  for (const Binding& b : bindings) target.Set(b.name, Napi::Function::New(env, b.fn, b.name, data));
}

// Set each constant on `target` as a number.
inline void SetConstants(Napi::Env env, Napi::Object target, std::initializer_list<Constant> constants) {
  for (const Constant& c : constants) target.Set(c.name, Napi::Number::New(env, static_cast<double>(c.value)));
}

// A new object holding the constants (one table of an addon: `memfd`, `flags`).
inline Napi::Object Constants(Napi::Env env, std::initializer_list<Constant> constants) {
  Napi::Object o = Napi::Object::New(env);
  SetConstants(env, o, constants);
  return o;
}

// One group of an addon's bindings: a file's Init*, declared in the addon's
// ops.h as `dmabuf::Group InitFdOps, InitMmapOps;`.
using Group = void(Napi::Env env, Napi::Object exports);

}  // namespace dmabuf
