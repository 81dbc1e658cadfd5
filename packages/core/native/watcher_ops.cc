// A watcher is a wait that stays set up between waits, for an fd waited on
// again and again (a channel's socket): its uv_poll_t is started once and
// left started while the caller is likely to wait again, unreferenced so it
// never keeps the loop alive by itself, and stopped only if it fires while
// nobody waits. A steady stream of waits then costs no syscall but epoll_wait.
// watcherOpen(fd, borrow?) -> id | -errno (borrow: fd itself, not a duplicate;
//   closed by the caller only after watcherClose)
// watcherWait(id, events) -> Promise<number> | -errno (one wait at a time: -EBUSY)
// watcherListen(id, onReady, flags) -> 0 | -ENOENT: the function watcherArm's
//   waits call, and an Int32Array the caller and the watcher share (see below)
// watcherArm(id, events) -> 0 | -errno: a wait that calls onReady(bits or
//   -errno) straight from the libuv callback (no promise: a reader that is
//   woken for every message pays no promise and no microtask hop for the
//   wakeup); arming an armed watcher changes its events. -EINVAL before
//   watcherListen, -EBUSY while a watcherWait is pending (and the reverse).
//   After each call (once onReady and the microtasks it ran have returned)
//   the watcher stays armed if flags[kWanted] is not 0, else it disarms:
//   a reader that waits again from a promise continuation of the call keeps
//   it armed by setting flags[kWanted], with no watcherArm per wakeup. An
//   error result disarms it before the call. flags[kArmed] says what the
//   watcher is: 0 disarmed, 1 armed, 2 armed and in a call of onReady.
// watcherSetEvents(id, events) -> 0 | -ENOENT: change what is watched, wait pending or not
// watcherCancel(id) -> 0 | -ENOENT: the pending wait resolves -ECANCELED (an
//   armed one is disarmed: onReady is not called)
// watcherPause(id) -> 0 | -ENOENT: leave the epoll set now (an armed watcher
//   is disarmed, no call) until the next wait; no-op while a promise waits
// watcherClose(id) -> 0 | -ENOENT: cancels, stops, closes the duplicate
// liveWatchers() -> watchers not closed yet.
//
// The fd is duplicated first and the duplicate is what libuv watches, so the
// caller may close its fd at any time, and several waits on one fd never
// share an epoll registration. Like every uv_poll_t, libuv puts the file
// description in O_NONBLOCK mode.
#include <errno.h>

#include "ops.h"
#include "poll_state.h"

namespace dmabuf::poll {
namespace {

// The elements of watcherListen's flags.
constexpr int kWanted = 0;  // set by the caller: stay armed after the call
constexpr int kArmed = 1;   // set here: 0 disarmed, 1 armed, kInCall
constexpr int32_t kInCall = 2;

// End r's arming: no more calls, and it no longer keeps the loop alive.
void Unarm(PollReq* r) {
  r->armed = false;
  r->state->armed--;
  r->watch->Ref(false);
  r->flags[kArmed] = 0;
}

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
  if (r->armed) {
    if (result < 0 || !w->started()) {
      Unarm(r);  // an error: libuv has stopped the watch
      Notify(r, result);
      return;
    }
    r->flags[kArmed] = kInCall;
    Notify(r, result);
    // onReady (or a microtask it ran) may have disarmed or closed the watcher meanwhile.
    if (!r->armed) return;
    if (r->flags[kWanted]) r->flags[kArmed] = 1;
    else Unarm(r);
    return;
  }
  r->state->armed--;
  w->Ref(false);
  napi_deferred d = r->deferred;
  r->deferred = nullptr;
  Resolve(r->state, d, result, true);
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
  size_t length;
  int32_t* flags = a.Int32Span(2, "flags", &length);
  if (!a) return a.Thrown();
  if (length < 2) return Errno(env, EINVAL);
  if (!r) return Errno(env, ENOENT);
  if (r->armed) return Errno(env, EBUSY);  // its flags are in use
  if (r->onReady) napi_delete_reference(env, r->onReady);
  if (r->flagsRef) napi_delete_reference(env, r->flagsRef);
  napi_create_reference(env, fn, 1, &r->onReady);
  napi_create_reference(env, info[2], 1, &r->flagsRef);
  r->flags = flags;
  flags[kArmed] = 0;
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
  r->flags[kArmed] = 1;
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
    Unarm(r);
    return;
  }
  if (!r->deferred) return;
  napi_deferred d = r->deferred;
  r->deferred = nullptr;
  r->state->armed--;
  r->watch->Ref(false);
  Resolve(r->state, d, -ECANCELED, false);
}

// A watcher call taking only (id): `op` on the watcher, then 0; the typed argument error, or
// -ENOENT for an id that names no watcher.
Napi::Value OnWatcher(const Napi::CallbackInfo& info, void (*op)(PollReq*)) {
  Args a(info);
  PollReq* r = Watcher(info, a);
  if (!a) return a.Thrown();
  if (!r) return Errno(info.Env(), ENOENT);
  op(r);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value WatcherCancel(const Napi::CallbackInfo& info) { return OnWatcher(info, Disarm); }

// Leave the event loop's epoll set (no-op if a promise wait is pending or
// the watch is stopped already; an armed watcher is disarmed, no call). A
// socket in an epoll set makes every write to it run the epoll callback
// under the wait-queue lock in the writer, even while this side is busy
// reading; a reader that is draining a stream pauses, and its next wait
// joins again.
Napi::Value WatcherPause(const Napi::CallbackInfo& info) {
  return OnWatcher(info, [](PollReq* r) {
    if (r->deferred) return;
    if (r->armed) Unarm(r);
    r->watch->Stop();
  });
}

Napi::Value WatcherClose(const Napi::CallbackInfo& info) {
  return OnWatcher(info, [](PollReq* r) {
    Disarm(r);
    r->settled = true;
    Shutdown(r);
  });
}

Napi::Value LiveWatchers(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(State(info)->watchers.size()));
}

}  // namespace

void ExportWatchers(Napi::Env env, Napi::Object exports, PollState* s) {
  dmabuf::Export(env, exports, {
      {"watcherOpen", WatcherOpen},
      {"watcherWait", WatcherWait},
      {"watcherListen", WatcherListen},
      {"watcherArm", WatcherArm},
      {"watcherSetEvents", WatcherSetEvents},
      {"watcherCancel", WatcherCancel},
      {"watcherPause", WatcherPause},
      {"watcherClose", WatcherClose},
      {"liveWatchers", LiveWatchers},
  }, s);
}

}  // namespace dmabuf::poll
