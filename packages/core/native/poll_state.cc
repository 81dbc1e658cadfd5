// The lifecycle every wait shares (one-shot waits: poll_ops.cc, watchers:
// watcher_ops.cc): requests linked into their environment's state, shut down
// and freed once their libuv handles are closed, and the environment's
// teardown, which closes every handle without touching JS.
#include <errno.h>

#include "ops.h"
#include "poll_state.h"

namespace dmabuf::poll {
namespace {

void Unlink(PollState* s, PollReq* r) {
  if (r->prev) r->prev->next = r->next;
  else s->head = r->next;
  if (r->next) r->next->prev = r->prev;
  r->prev = r->next = nullptr;
}

void FinishTeardownIfDone(PollState* s) {
  if (s->tearingDown && s->live == 0) {
    napi_remove_async_cleanup_hook(s->cleanup);
    delete s;
  }
}

void OnHandleClosed(void* data) {
  auto* r = static_cast<PollReq*>(data);
  if (--r->open_handles > 0) return;
  PollState* s = r->state;
  Unlink(s, r);
  s->live--;
  delete r;
  FinishTeardownIfDone(s);
}

// Environment teardown (worker exit, process exit): close every handle
// without touching JS, and free the state once the last one is closed.
void OnCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* s = static_cast<PollState*>(arg);
  s->cleanup = handle;
  s->tearingDown = true;
  if (s->context) {
    napi_async_destroy(s->env, s->context);
    s->context = nullptr;
  }
  if (s->resource) {
    napi_delete_reference(s->env, s->resource);
    s->resource = nullptr;
  }
  for (PollReq* r = s->head; r; r = r->next) {
    if (r->settled) continue;
    r->settled = true;
    r->deferred = nullptr;
    r->armed = false;
    Shutdown(r);
  }
  s->armed = 0;
  FinishTeardownIfDone(s);
}

}  // namespace

void Shutdown(PollReq* r) {
  if (!r->state->tearingDown) {
    if (r->onReady) napi_delete_reference(r->state->env, r->onReady);
    if (r->flagsRef) napi_delete_reference(r->state->env, r->flagsRef);
  }
  r->onReady = nullptr;
  r->flagsRef = nullptr;
  r->flags = nullptr;
  if (r->persistent) r->state->watchers.erase(r->id);
  else if (r->id != 0) r->state->byId.erase(r->id);
  if (r->timer) {
    uv_timer_stop(r->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(r->timer), [](uv_handle_t* h) {
      auto* t = reinterpret_cast<uv_timer_t*>(h);
      auto* owner = static_cast<PollReq*>(t->data);
      delete t;
      OnHandleClosed(owner);
    });
    r->timer = nullptr;
  }
  r->watch->Close(OnHandleClosed, r);
}

void Resolve(PollState* s, napi_deferred d, int value, bool inCallback) {
  napi_env env = s->env;
  napi_handle_scope hs;
  napi_open_handle_scope(env, &hs);
  napi_callback_scope cs = nullptr;
  if (inCallback) {
    napi_value resource;
    napi_get_reference_value(env, s->resource, &resource);
    napi_open_callback_scope(env, resource, s->context, &cs);
  }
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_resolve_deferred(env, d, v);
  if (cs) napi_close_callback_scope(env, cs);
  napi_close_handle_scope(env, hs);
}

PollState* State(const Napi::CallbackInfo& info) { return static_cast<PollState*>(info.Data()); }

PollReq* NewReq(PollState* s, int fd, int* err, bool duplicate) {
  Watch* w = Watch::Open(s->loop, fd, err, duplicate);
  if (!w) return nullptr;
  auto* r = new PollReq{};
  r->watch = w;
  r->state = s;
  r->open_handles = 1;
  r->next = s->head;
  if (s->head) s->head->prev = r;
  s->head = r;
  s->live++;
  return r;
}

}  // namespace dmabuf::poll

void InitPollOps(Napi::Env env, Napi::Object exports) {
  auto* s = new dmabuf::poll::PollState();
  s->env = env;
  napi_get_uv_event_loop(env, &s->loop);
  napi_value name;
  napi_create_string_utf8(env, "dmabuf:poll", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &s->context);
  napi_value resource;
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &s->resource);
  napi_add_async_cleanup_hook(env, dmabuf::poll::OnCleanup, s, nullptr);
  dmabuf::poll::ExportPolls(env, exports, s);
  dmabuf::poll::ExportWatchers(env, exports, s);
  exports.Set("pollBits", dmabuf::Constants(env, {
      {"READABLE", dmabuf::kReadable},
      {"WRITABLE", dmabuf::kWritable},
      {"ERROR", dmabuf::kError},
      {"HANGUP", dmabuf::kHangup},
      {"PRIORITY", dmabuf::kPriority},
  }));
}
