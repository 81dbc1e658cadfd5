// mmap/munmap as external ArrayBuffers that are detached on munmap, so a
// stale view throws in JS instead of touching unmapped memory.
#include <errno.h>
#include <sys/mman.h>

#include <unordered_map>

#include "ops.h"

namespace {

struct Mapping {
  void* addr;
  size_t length;
  bool mapped;
};

// Per-environment table of live mappings (safe across worker threads).
struct MmapState {
  std::unordered_map<void*, Mapping*> live;
};

MmapState* State(Napi::Env env) { return env.GetInstanceData<MmapState>(); }

void Finalize(Napi::Env env, void* /*data*/, Mapping* m) {
  if (m->mapped) {
    munmap(m->addr, m->length);
    if (auto* s = State(env)) s->live.erase(m->addr);
  }
  delete m;
}

// mmap(fd, offset, length, prot) -> ArrayBuffer or -errno
Napi::Value Mmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  off_t offset = static_cast<off_t>(info[1].As<Napi::Number>().Int64Value());
  size_t length = static_cast<size_t>(info[2].As<Napi::Number>().Int64Value());
  int prot = info[3].As<Napi::Number>().Int32Value();
  void* addr = mmap(nullptr, length, prot, MAP_SHARED, fd, offset);
  if (addr == MAP_FAILED) return Errno(env, errno);
  auto* m = new Mapping{addr, length, true};
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(
      env, addr, length,
      [](napi_env e, void* data, void* hint) { Finalize(Napi::Env(e), data, static_cast<Mapping*>(hint)); }, m, &ab);
  if (st != napi_ok) {
    munmap(addr, length);
    delete m;
    return Errno(env, ENOMEM);
  }
  State(env)->live[addr] = m;
  return Napi::Value(env, ab);
}

// munmap(arrayBuffer) -> 0 or -errno; detaches the buffer.
Napi::Value Munmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) return Errno(env, EBADF);
  void* addr = ab.Data();
  auto* s = State(env);
  auto it = s->live.find(addr);
  if (it == s->live.end()) return Errno(env, EINVAL);
  Mapping* m = it->second;
  // Detach first: from here no JS view can reach the memory.
  ab.Detach();
  int rc = munmap(m->addr, m->length);
  m->mapped = false;
  s->live.erase(it);
  return Napi::Number::New(env, rc < 0 ? -errno : 0);
}

// number of live mappings in this environment (for leak checks in tests)
Napi::Value LiveMappings(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(State(info.Env())->live.size()));
}

}  // namespace

void InitMmapOps(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<MmapState>(new MmapState());
  exports.Set("mmap", Napi::Function::New(env, Mmap, "mmap"));
  exports.Set("munmap", Napi::Function::New(env, Munmap, "munmap"));
  exports.Set("liveMappings", Napi::Function::New(env, LiveMappings, "liveMappings"));
  exports.Set("PROT_READ", Napi::Number::New(env, PROT_READ));
  exports.Set("PROT_WRITE", Napi::Number::New(env, PROT_WRITE));
}
