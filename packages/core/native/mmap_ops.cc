// mmap/munmap as external ArrayBuffers that are detached on munmap, so a
// stale view throws in JS instead of touching unmapped memory.
//
// mmap(fd, offset, length, prot) -> ArrayBuffer | -errno
// munmap(mapping) -> 0 | -errno: detaches it and every view of it (EINVAL for a view)
// mmapPopulate(mapping, write) -> 0 | -errno: fault every page in now
//   (MADV_POPULATE_WRITE / _READ, Linux 5.14): one call instead of a page
//   fault per 4 KiB page at first touch. EINVAL where the driver maps pages
//   itself (VM_PFNMAP: udmabuf, DRM dumb buffers): nothing to do there.
// mmapView(mapping) -> ArrayBuffer | -errno: another ArrayBuffer over the same
//   memory, detached by mmapDetachView(view) or when the mapping is unmapped,
//   so a scope can hand out views that die with it while the mapping (and its
//   page tables) stays. A view keeps its mapping's ArrayBuffer alive.
// mmapDetachView(view) -> 0 | -errno (EINVAL: not a live view)
#include <errno.h>
#include <sys/mman.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "ops.h"

namespace {

struct Mapping {
  void* addr;
  size_t length;
  bool mapped;
  napi_ref self = nullptr;        // weak: the mapping's own ArrayBuffer
  std::vector<napi_ref> views{};  // weak: views not detached yet
  size_t pendingViews = 0;        // views not finalized yet (each holds the mapping)
  bool ownerGone = false;         // its own ArrayBuffer was finalized
};

// Freed once its own ArrayBuffer and every view are finalized (in any order:
// at environment teardown the order is not the reference order).
void Release(Mapping* m) {
  if (m->ownerGone && m->pendingViews == 0) delete m;
}

// What a view's finalizer needs: its mapping, a strong reference that keeps
// the mapping's ArrayBuffer (and so the Mapping) alive, and its own weak ref.
struct View {
  Mapping* mapping;
  napi_ref owner;
  napi_ref self;
};

// Per-environment table of live mappings (safe across worker threads).
struct MmapState {
  std::unordered_map<void*, Mapping*> live;
};

MmapState* State(Napi::Env env) { return static_cast<MmapState*>(dmabuf::GetInstance(env)->addon.get()); }

// The mapping's ArrayBuffer was collected (views hold it: none is alive,
// but at environment teardown).
void Finalize(Napi::Env env, void* /*data*/, Mapping* m) {
  if (m->mapped) {
    munmap(m->addr, m->length);
    m->mapped = false;
    if (auto* s = State(env)) s->live.erase(m->addr);
  }
  if (m->self) napi_delete_reference(env, m->self);
  m->self = nullptr;
  m->ownerGone = true;
  Release(m);
}

void FinalizeView(napi_env env, void* /*data*/, void* hint) {
  auto* v = static_cast<View*>(hint);
  Mapping* m = v->mapping;
  m->views.erase(std::remove(m->views.begin(), m->views.end(), v->self), m->views.end());
  m->pendingViews--;
  napi_delete_reference(env, v->self);
  napi_delete_reference(env, v->owner);
  delete v;
  Release(m);
}

// Detach every view of m still attached (they are finalized later).
void DetachViews(napi_env env, Mapping* m) {
  for (napi_ref r : m->views) {
    napi_value view;
    if (napi_get_reference_value(env, r, &view) == napi_ok && view != nullptr) napi_detach_arraybuffer(env, view);
  }
  m->views.clear();
}

// The live mapping whose own ArrayBuffer is `ab`; nullptr for anything else (a view, a detached buffer).
Mapping* OwnMapping(napi_env env, MmapState* s, napi_value ab) {
  void* addr = nullptr;
  if (napi_get_arraybuffer_info(env, ab, &addr, nullptr) != napi_ok) return nullptr;
  auto it = s->live.find(addr);
  if (it == s->live.end()) return nullptr;
  napi_value self;
  bool same = false;
  if (napi_get_reference_value(env, it->second->self, &self) != napi_ok || self == nullptr ||
      napi_strict_equals(env, self, ab, &same) != napi_ok || !same)
    return nullptr;
  return it->second;
}

// mmap(fd, offset, length, prot) -> ArrayBuffer or -errno
Napi::Value Mmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  off_t offset = static_cast<off_t>(a.U64(1, "offset"));
  size_t length = static_cast<size_t>(a.U64(2, "length"));
  int prot = a.I32(3, "prot");
  if (!a) return a.Thrown();
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
  napi_create_reference(env, ab, 0, &m->self);
  State(env)->live[addr] = m;
  return Napi::Value(env, ab);
}

// munmap(arrayBuffer) -> 0 or -errno; detaches the buffer and its views.
Napi::Value Munmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  auto ab = a.ArrayBuffer(0, "buffer");
  if (!a) return a.Thrown();
  if (ab.IsDetached()) return Errno(env, EBADF);
  auto* s = State(env);
  Mapping* m = OwnMapping(env, s, ab);
  if (!m) return Errno(env, EINVAL);
  // Detach first: from here no JS view can reach the memory.
  DetachViews(env, m);
  ab.Detach();
  int rc = munmap(m->addr, m->length);
  m->mapped = false;
  s->live.erase(m->addr);
  return Napi::Number::New(env, rc < 0 ? -errno : 0);
}

Napi::Value Populate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  Napi::ArrayBuffer mapping = a.ArrayBuffer(0, "mapping");
  bool write = a.Bool(1, "write");
  if (!a) return a.Thrown();
  Mapping* m = OwnMapping(env, State(env), mapping);
  if (!m) return Errno(env, EINVAL);
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
  int advice = write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
  return dmabuf::Result(env, dmabuf::Retry([&] { return madvise(m->addr, m->length, advice); }));
}

Napi::Value MakeView(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  Napi::ArrayBuffer mapping = a.ArrayBuffer(0, "mapping");
  if (!a) return a.Thrown();
  Mapping* m = OwnMapping(env, State(env), mapping);
  if (!m) return Errno(env, EINVAL);
  auto* v = new View{m, nullptr, nullptr};
  napi_value view;
  if (napi_create_external_arraybuffer(env, m->addr, m->length, FinalizeView, v, &view) != napi_ok) {
    delete v;
    return Errno(env, ENOMEM);
  }
  napi_create_reference(env, info[0], 1, &v->owner);
  napi_create_reference(env, view, 0, &v->self);
  m->views.push_back(v->self);
  m->pendingViews++;
  return Napi::Value(env, view);
}

Napi::Value DetachView(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  a.ArrayBuffer(0, "view");
  if (!a) return a.Thrown();
  void* addr = nullptr;
  if (napi_get_arraybuffer_info(env, info[0], &addr, nullptr) != napi_ok) return Errno(env, EINVAL);
  auto* s = State(env);
  auto it = s->live.find(addr);
  if (it == s->live.end()) return Errno(env, EINVAL);
  // views holds the views not detached yet (a scope or two): detached ones leave it now, not at their finalizer
  auto& views = it->second->views;
  for (auto r = views.begin(); r != views.end(); ++r) {
    napi_value view;
    bool same = false;
    if (napi_get_reference_value(env, *r, &view) == napi_ok && view != nullptr &&
        napi_strict_equals(env, view, info[0], &same) == napi_ok && same) {
      napi_detach_arraybuffer(env, view);
      views.erase(r);
      return Napi::Number::New(env, 0);
    }
  }
  return Errno(env, EINVAL);
}

// number of live mappings in this environment (for leak checks in tests)
Napi::Value LiveMappings(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(State(info.Env())->live.size()));
}

}  // namespace

void InitMmapOps(Napi::Env env, Napi::Object exports) {
  dmabuf::GetInstance(env)->addon = std::make_shared<MmapState>();
  dmabuf::Export(env, exports, {
      {"mmap", Mmap},
      {"munmap", Munmap},
      {"mmapPopulate", Populate},
      {"mmapView", MakeView},
      {"mmapDetachView", DetachView},
      {"liveMappings", LiveMappings},
  });
  dmabuf::SetConstants(env, exports, {{"PROT_READ", PROT_READ}, {"PROT_WRITE", PROT_WRITE}});
}
