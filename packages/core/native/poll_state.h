// What the one-shot waits (poll_ops.cc) and the watchers (watcher_ops.cc)
// share: a request on a dmabuf::Watch, the per-environment state that owns
// every live request, and their lifecycle (poll_state.cc).
#pragma once

#include <napi.h>
#include <uv.h>

#include <unordered_map>

#include "dmabuf/watch.h"

namespace dmabuf::poll {

struct PollState;

// A one-shot wait (with its timer) or a watcher, on a dmabuf::Watch.
struct PollReq {
  Watch* watch;
  uv_timer_t* timer;  // one-shot waits with a timeout
  PollState* state;
  napi_deferred deferred;
  napi_ref onReady;  // watcherListen's function
  napi_ref flagsRef;  // watcherListen's flags (an Int32Array), held while listening
  int32_t* flags;     // its elements: kWanted (set by JS), kArmed (set here)
  bool armed;         // watcherArm: onReady is called at each wakeup until disarmed
  int events;
  uint32_t id;
  bool settled;  // one-shot: resolved; watcher: closed
  bool persistent;
  int open_handles;
  PollReq* prev;
  PollReq* next;
};

// Per environment: the live waits, and the async context the promise
// continuations run in. Passed to every function as its data pointer.
struct PollState {
  napi_env env;
  uv_loop_t* loop;
  napi_async_context context = nullptr;
  napi_ref resource = nullptr;  // the resource object of every callback scope (one, made once)
  napi_async_cleanup_hook_handle cleanup = nullptr;
  std::unordered_map<uint32_t, PollReq*> byId;
  std::unordered_map<uint32_t, PollReq*> watchers;
  uint32_t nextWatcher = 0;
  size_t armed = 0;  // watchers with a wait pending (a promise or armed)
  PollReq* head = nullptr;
  size_t live = 0;
  bool tearingDown = false;
};

// Stop watching, close the duplicate, close the handles (freed in the close
// callbacks). Safe to call once per request.
void Shutdown(PollReq* r);
// Resolve d. From a libuv callback (inCallback) this opens a callback scope
// so promise continuations run right away.
void Resolve(PollState* s, napi_deferred d, int value, bool inCallback);
// The state passed to every function as its data pointer.
PollState* State(const Napi::CallbackInfo& info);
// A new request on a Watch of fd (or of a duplicate), linked into the state; nullptr with *err.
PollReq* NewReq(PollState* s, int fd, int* err, bool duplicate = true);

// Each file's functions onto the exports, with s as their data.
void ExportPolls(Napi::Env env, Napi::Object exports, PollState* s);
void ExportWatchers(Napi::Env env, Napi::Object exports, PollState* s);

}  // namespace dmabuf::poll
