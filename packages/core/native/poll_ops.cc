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
// (Watchers: watcher_ops.cc; what both share: poll_state.h.)
#include <errno.h>
#include <uv.h>

#include "ops.h"
#include "poll_state.h"

namespace dmabuf::poll {
namespace {

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

void OnTimeout(uv_timer_t* t) {
  auto* r = static_cast<PollReq*>(t->data);
  Settle(r, -ETIMEDOUT, true);
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

}  // namespace

void ExportPolls(Napi::Env env, Napi::Object exports, PollState* s) {
  dmabuf::Export(env, exports, {
      {"poll", Poll},
      {"pollCancel", PollCancel},
      {"pendingPolls", PendingPolls},
  }, s);
}

}  // namespace dmabuf::poll
