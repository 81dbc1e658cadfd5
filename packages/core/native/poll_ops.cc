// Waiting for an fd through libuv, for JS: promises over the toolkit's one
// readiness watcher (dmabuf::Watch, include/dmabuf/watch.h), plus an
// optional uv_timer_t for a timeout, on the loop of the calling environment.
// Never blocks the JS thread.
//
// poll(fd, events, timeoutMs, id) -> Promise<number> | -errno
//   events: 1 readable, 2 writable, 16 priority (bits of `pollBits`).
//   The promise resolves with the revents bits (readable 1, writable 2,
//   error 4, hangup 8, priority 16) or with -ETIMEDOUT / -ECANCELED / -errno.
//   timeoutMs < 0: no timeout. id > 0 registers the wait for pollCancel(id).
// pollCancel(id) -> 0 or -ENOENT: stop the wait now, resolving -ECANCELED.
// pendingPolls() -> waits whose handles are not closed yet (for leak tests).
//
// A watcher is a wait that stays set up between waits, for an fd waited on
// again and again (a channel's socket): its uv_poll_t is started once and
// left started while the caller is likely to wait again, unreferenced so it
// never keeps the loop alive by itself, and stopped only if it fires while
// nobody waits. A steady stream of waits then costs no syscall but epoll_wait.
// watcherOpen(fd, borrow?) -> id | -errno (borrow: fd itself, not a duplicate;
//   closed by the caller only after watcherClose)
// watcherWait(id, events) -> Promise<number> | -errno (one wait at a time: -EBUSY)
// watcherListen(id, onReady) -> 0 | -ENOENT: the function watcherArm's waits call
// watcherArm(id, events) -> 0 | -errno: one wait that calls onReady(bits or
//   -errno) straight from the libuv callback (no promise: a reader that is
//   woken for every message pays no promise and no microtask hop for the
//   wakeup); arming an armed watcher changes its events. -EINVAL before
//   watcherListen, -EBUSY while a watcherWait is pending (and the reverse).
// watcherSetEvents(id, events) -> 0 | -ENOENT: change what is watched, wait pending or not
// watcherCancel(id) -> 0 | -ENOENT: the pending wait resolves -ECANCELED (an
//   armed one is disarmed: onReady is not called)
// watcherClose(id) -> 0 | -ENOENT: cancels, stops, closes the duplicate
// liveWatchers() -> watchers not closed yet.
//
// The fd is duplicated first and the duplicate is what libuv watches, so the
// caller may close its fd at any time, and several waits on one fd never
// share an epoll registration. Like every uv_poll_t, libuv puts the file
// description in O_NONBLOCK mode.
#include <errno.h>
#include <uv.h>

#include <unordered_map>

#include "ops.h"

namespace {

using dmabuf::Watch;

struct PollState;

// A one-shot wait (with its timer) or a watcher, on a dmabuf::Watch.
struct PollReq {
  Watch* watch;
  uv_timer_t* timer;  // one-shot waits with a timeout
  PollState* state;
  napi_deferred deferred;
  napi_ref onReady;  // watcherListen's function
  bool armed;        // watcherArm: onReady is called at the next wakeup
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

// Stop watching, close the duplicate, close the handles (freed in the close
// callbacks). Safe to call once per request.
void Shutdown(PollReq* r) {
  if (r->onReady && !r->state->tearingDown) napi_delete_reference(r->state->env, r->onReady);
  r->onReady = nullptr;
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

// Resolve d. From a libuv callback (inCallback) this opens a callback scope
// so promise continuations run right away.
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

// Settle a one-shot wait: shut it down, then resolve its promise.
void Settle(PollReq* r, int value, bool inCallback) {
  if (r->settled) return;
  r->settled = true;
  napi_deferred d = r->deferred;
  r->deferred = nullptr;
  Shutdown(r);
  Resolve(r->state, d, value, inCallback);
}

// A one-shot wait woke up: exact bits (the fd is asked; libuv folds POLLHUP on pipes...).
void OnPoll(Watch*, int result, void* data) { Settle(static_cast<PollReq*>(data), result, true); }

// Call r's onReady(value) from a libuv callback: promise continuations and
// ticks run when it returns, as after any callback into JS; an exception is
// the process's uncaught exception.
void Notify(PollReq* r, int value) {
  PollState* s = r->state;
  napi_env env = s->env;
  napi_handle_scope hs;
  napi_open_handle_scope(env, &hs);
  napi_value fn, recv, arg, result;
  napi_get_reference_value(env, r->onReady, &fn);
  napi_get_reference_value(env, s->resource, &recv);
  napi_create_int32(env, value, &arg);
  if (napi_make_callback(env, s->context, recv, fn, 1, &arg, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, hs);
}

void OnWatch(Watch* w, int result, void* data) {
  auto* r = static_cast<PollReq*>(data);
  if (r->settled) return;
  // Nobody waits: stop until the next wait (a libuv error has stopped it already).
  if (!r->deferred && !r->armed) {
    w->Stop();
    return;
  }
  // A watcher's caller reads (or accepts) until EAGAIN anyway: libuv's bits are enough.
  r->state->armed--;
  w->Ref(false);
  if (r->armed) {
    r->armed = false;
    if (r->onReady) Notify(r, result);
    return;
  }
  napi_deferred d = r->deferred;
  r->deferred = nullptr;
  Resolve(r->state, d, result, true);
}

void OnTimeout(uv_timer_t* t) {
  auto* r = static_cast<PollReq*>(t->data);
  Settle(r, -ETIMEDOUT, true);
}

PollState* State(const Napi::CallbackInfo& info) { return static_cast<PollState*>(info.Data()); }

// A new request on a Watch of fd (or of a duplicate), linked into the state; nullptr with *err.
PollReq* NewReq(PollState* s, int fd, int* err, bool duplicate = true) {
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

Napi::Value Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PollState* s = State(info);
  Args a(info);
  int fd = a.Fd(0, "fd");
  int events = a.U32(1, "events") & dmabuf::kWatchable;
  double timeout = a.Double(2, "timeoutMs");
  uint32_t id = a.U32(3, "id");
  if (!a) return a.Thrown();
  if (s->tearingDown) return Errno(env, ECANCELED);
  if (id != 0 && s->byId.count(id)) return Errno(env, EEXIST);

  int err = 0;
  PollReq* r = NewReq(s, fd, &err);
  if (!r) return dmabuf::Result(env, err);
  r->events = events;
  r->id = id;
  int rc = r->watch->Start(events, OnPoll, r, true);
  if (rc < 0) {
    r->settled = true;
    Shutdown(r);
    return dmabuf::Result(env, rc);
  }
  if (timeout >= 0) {
    r->timer = new uv_timer_t;
    uv_timer_init(s->loop, r->timer);
    r->timer->data = r;
    r->open_handles++;
    uv_update_time(s->loop);  // the loop's cached time may be stale: count from now
    uv_timer_start(r->timer, OnTimeout, static_cast<uint64_t>(timeout), 0);
  }
  napi_value promise;
  napi_create_promise(env, &r->deferred, &promise);
  if (id != 0) s->byId[id] = r;
  return Napi::Value(env, promise);
}

Napi::Value PollCancel(const Napi::CallbackInfo& info) {
  PollState* s = State(info);
  Args a(info);
  uint32_t id = a.U32(0, "id");
  if (!a) return a.Thrown();
  auto it = s->byId.find(id);
  if (it == s->byId.end()) return Errno(info.Env(), ENOENT);
  Settle(it->second, -ECANCELED, false);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value PendingPolls(const Napi::CallbackInfo& info) {
  PollState* s = State(info);
  return Napi::Number::New(info.Env(), static_cast<double>(s->live - s->watchers.size() + s->armed));
}

Napi::Value WatcherOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PollState* s = State(info);
  Args a(info);
  int fd = a.Fd(0, "fd");
  bool borrow = info.Length() > 1 && !info[1].IsUndefined() ? a.Bool(1, "borrow") : false;
  if (!a) return a.Thrown();
  if (s->tearingDown) return Errno(env, ECANCELED);
  int err = 0;
  PollReq* r = NewReq(s, fd, &err, !borrow);
  if (!r) return dmabuf::Result(env, err);
  r->persistent = true;
  do {
    r->id = ++s->nextWatcher;
  } while (r->id == 0 || s->watchers.count(r->id));
  s->watchers[r->id] = r;
  return Napi::Number::New(env, r->id);
}

// The watcher named by argument 0 (nullptr: refused or unknown; see *refused).
PollReq* Watcher(const Napi::CallbackInfo& info, Args& a) {
  PollState* s = State(info);
  uint32_t id = a.U32(0, "id");
  if (!a) return nullptr;
  auto it = s->watchers.find(id);
  return it == s->watchers.end() ? nullptr : it->second;
}

// The prologue of every watcher call taking (id, events): the watcher, or
// nullptr with *out set to what the call returns (the typed argument error,
// or -ENOENT for an id that names no watcher).
PollReq* WatcherEvents(const Napi::CallbackInfo& info, int* events, Napi::Value* out) {
  Args a(info);
  PollReq* r = Watcher(info, a);
  *events = a.U32(1, "events") & dmabuf::kWatchable;
  if (!a) *out = a.Thrown();
  else if (!r) *out = Errno(info.Env(), ENOENT);
  return a ? r : nullptr;
}

// Start r's watch for events and count it as waited on (kept alive, armed).
int Engage(PollReq* r, int events) {
  int rc = r->watch->Start(events, OnWatch, r);
  if (rc < 0) return rc;
  r->events = events;
  r->watch->Ref(true);
  r->state->armed++;
  return 0;
}

Napi::Value WatcherWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int events;
  Napi::Value out;
  PollReq* r = WatcherEvents(info, &events, &out);
  if (!r) return out;
  if (r->deferred || r->armed) return Errno(env, EBUSY);
  int rc = Engage(r, events);
  if (rc < 0) return dmabuf::Result(env, rc);
  napi_value promise;
  napi_create_promise(env, &r->deferred, &promise);
  return Napi::Value(env, promise);
}

Napi::Value WatcherListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  PollReq* r = Watcher(info, a);
  Napi::Function fn = a.Function(1, "onReady");
  if (!a) return a.Thrown();
  if (!r) return Errno(env, ENOENT);
  if (r->onReady) napi_delete_reference(env, r->onReady);
  napi_create_reference(env, fn, 1, &r->onReady);
  return Napi::Number::New(env, 0);
}

Napi::Value WatcherArm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int events;
  Napi::Value out;
  PollReq* r = WatcherEvents(info, &events, &out);
  if (!r) return out;
  if (!r->onReady) return Errno(env, EINVAL);
  if (r->deferred) return Errno(env, EBUSY);
  if (r->armed) {
    r->events = events;
    return dmabuf::Result(env, r->watch->Start(events, OnWatch, r));
  }
  int rc = Engage(r, events);
  if (rc < 0) return dmabuf::Result(env, rc);
  r->armed = true;
  return Napi::Number::New(env, 0);
}

// watcherSetEvents(id, events) -> 0 | -errno: what the pending wait (or the
// next) watches for, without settling it (several waiters on one fd whose
// union of events changed).
Napi::Value WatcherSetEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int events;
  Napi::Value out;
  PollReq* r = WatcherEvents(info, &events, &out);
  if (!r) return out;
  r->events = events;
  if (!r->watch->started()) return Napi::Number::New(env, 0);
  return dmabuf::Result(env, r->watch->Start(events, OnWatch, r));
}

// Resolve the pending wait of r with -ECANCELED (from JS: no callback scope).
// An armed watcher is disarmed without a call.
void Disarm(PollReq* r) {
  if (r->armed) {
    r->armed = false;
    r->state->armed--;
    r->watch->Ref(false);
    return;
  }
  if (!r->deferred) return;
  napi_deferred d = r->deferred;
  r->deferred = nullptr;
  r->state->armed--;
  r->watch->Ref(false);
  Resolve(r->state, d, -ECANCELED, false);
}

Napi::Value WatcherCancel(const Napi::CallbackInfo& info) {
  Args a(info);
  PollReq* r = Watcher(info, a);
  if (!a) return a.Thrown();
  if (!r) return Errno(info.Env(), ENOENT);
  Disarm(r);
  return Napi::Number::New(info.Env(), 0);
}

// Leave the event loop's epoll set while nobody waits (no-op if a wait is
// pending or the watch is stopped already). A socket in an epoll set makes
// every write to it run the epoll callback under the wait-queue lock in the
// writer, even while this side is busy reading; a reader that is draining a
// stream pauses, and the next wait() joins again.
Napi::Value WatcherPause(const Napi::CallbackInfo& info) {
  Args a(info);
  PollReq* r = Watcher(info, a);
  if (!a) return a.Thrown();
  if (!r) return Errno(info.Env(), ENOENT);
  if (!r->deferred && !r->armed) r->watch->Stop();
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value WatcherClose(const Napi::CallbackInfo& info) {
  Args a(info);
  PollReq* r = Watcher(info, a);
  if (!a) return a.Thrown();
  if (!r) return Errno(info.Env(), ENOENT);
  Disarm(r);
  r->settled = true;
  Shutdown(r);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value LiveWatchers(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(State(info)->watchers.size()));
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

void InitPollOps(Napi::Env env, Napi::Object exports) {
  auto* s = new PollState();
  s->env = env;
  napi_get_uv_event_loop(env, &s->loop);
  napi_value name;
  napi_create_string_utf8(env, "dmabuf:poll", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &s->context);
  napi_value resource;
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &s->resource);
  napi_add_async_cleanup_hook(env, OnCleanup, s, nullptr);
  exports.Set("poll", Napi::Function::New(env, Poll, "poll", s));
  exports.Set("pollCancel", Napi::Function::New(env, PollCancel, "pollCancel", s));
  exports.Set("pendingPolls", Napi::Function::New(env, PendingPolls, "pendingPolls", s));
  exports.Set("watcherOpen", Napi::Function::New(env, WatcherOpen, "watcherOpen", s));
  exports.Set("watcherWait", Napi::Function::New(env, WatcherWait, "watcherWait", s));
  exports.Set("watcherListen", Napi::Function::New(env, WatcherListen, "watcherListen", s));
  exports.Set("watcherArm", Napi::Function::New(env, WatcherArm, "watcherArm", s));
  exports.Set("watcherSetEvents", Napi::Function::New(env, WatcherSetEvents, "watcherSetEvents", s));
  exports.Set("watcherCancel", Napi::Function::New(env, WatcherCancel, "watcherCancel", s));
  exports.Set("watcherPause", Napi::Function::New(env, WatcherPause, "watcherPause", s));
  exports.Set("watcherClose", Napi::Function::New(env, WatcherClose, "watcherClose", s));
  exports.Set("liveWatchers", Napi::Function::New(env, LiveWatchers, "liveWatchers", s));
  auto bits = Napi::Object::New(env);
  bits.Set("READABLE", dmabuf::kReadable);
  bits.Set("WRITABLE", dmabuf::kWritable);
  bits.Set("ERROR", dmabuf::kError);
  bits.Set("HANGUP", dmabuf::kHangup);
  bits.Set("PRIORITY", dmabuf::kPriority);
  exports.Set("pollBits", bits);
}
