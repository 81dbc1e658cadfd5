// DRM events (page-flip completion, vblank) read from the device fd when it
// is readable, through libuv: JS is called back, never blocked.
#include <unistd.h>
#include <uv.h>

#include "ops.h"

// Read the pending events (the fd is O_NONBLOCK): one read() takes whole
// events up to the buffer's size; more left over make the fd readable again.
// Returns an array of { type, userData, sec, usec, sequence, crtcId } or -errno.
static Napi::Value ReadEventsInto(Napi::Env env, int fd) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  alignas(8) char buf[4096];
  for (;;) {
    ssize_t len = read(fd, buf, sizeof(buf));
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return Errno(env, errno);
    }
    if (len == 0) break;
    for (ssize_t i = 0; i + static_cast<ssize_t>(sizeof(drm_event)) <= len;) {
      const drm_event* e = reinterpret_cast<const drm_event*>(buf + i);
      if (e->length < sizeof(drm_event) || i + static_cast<ssize_t>(e->length) > len) break;
      Napi::Object o = Napi::Object::New(env);
      if ((e->type == DRM_EVENT_FLIP_COMPLETE || e->type == DRM_EVENT_VBLANK) && e->length >= sizeof(drm_event_vblank)) {
        const drm_event_vblank* v = reinterpret_cast<const drm_event_vblank*>(e);
        o.Set("type", Napi::String::New(env, e->type == DRM_EVENT_FLIP_COMPLETE ? "flip" : "vblank"));
        o.Set("userData", Napi::Number::New(env, static_cast<double>(v->user_data)));
        o.Set("sec", v->tv_sec);
        o.Set("usec", v->tv_usec);
        o.Set("sequence", v->sequence);
        o.Set("crtcId", v->crtc_id);
      } else if (e->type == DRM_EVENT_CRTC_SEQUENCE && e->length >= sizeof(drm_event_crtc_sequence)) {
        const drm_event_crtc_sequence* s = reinterpret_cast<const drm_event_crtc_sequence*>(e);
        o.Set("type", Napi::String::New(env, "sequence"));
        o.Set("userData", Napi::Number::New(env, static_cast<double>(s->user_data)));
        o.Set("sec", Napi::Number::New(env, static_cast<double>(s->time_ns / 1000000000)));
        o.Set("usec", Napi::Number::New(env, static_cast<double>((s->time_ns % 1000000000) / 1000)));
        o.Set("sequence", Napi::Number::New(env, static_cast<double>(s->sequence)));
        o.Set("crtcId", 0);
      } else {
        o.Set("type", Napi::String::New(env, "unknown"));
        o.Set("code", e->type);
      }
      out.Set(n++, o);
      i += e->length;
    }
    break;
  }
  return out;
}

static Napi::Value ReadEvents(const Napi::CallbackInfo& info) { return ReadEventsInto(info.Env(), ArgInt(info, 0)); }

struct Watch {
  uv_poll_t poll;
  napi_env env;
  int fd;
  Napi::FunctionReference callback;
  napi_async_context context;
  bool closed;
};

static void OnClosed(uv_handle_t* h) {
  Watch* w = static_cast<Watch*>(h->data);
  delete w;
}

static void CloseWatch(Watch* w) {
  if (w->closed) return;
  w->closed = true;
  uv_poll_stop(&w->poll);
  napi_async_destroy(w->env, w->context);
  w->callback.Reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), OnClosed);
}

static void CleanupHook(void* arg) {
  Watch* w = static_cast<Watch*>(arg);
  CloseWatch(w);
}

static void OnReadable(uv_poll_t* h, int status, int) {
  Watch* w = static_cast<Watch*>(h->data);
  if (w->closed) return;
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  Napi::Value arg = status < 0 ? Napi::Number::New(env, status) : ReadEventsInto(env, w->fd);
  napi_value argv[] = {arg};
  napi_value recv = Napi::Object::New(env);
  napi_value result;
  napi_status s = napi_make_callback(w->env, w->context, recv, w->callback.Value(), 1, argv, &result);
  if (s == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(w->env, &err);
    napi_fatal_exception(w->env, err);
  }
}

// watch(fd, callback(events | -errno)) -> handle. The poll starts unref'd:
// the caller refs it while it waits for events (a pending flip).
static Napi::Value StartWatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return Errno(env, EIO);
  Watch* w = new Watch();
  w->env = env;
  w->fd = ArgInt(info, 0);
  w->closed = false;
  int r = uv_poll_init(loop, &w->poll, w->fd);
  if (r < 0) {
    delete w;
    return Napi::Number::New(env, r);
  }
  w->poll.data = w;
  w->callback = Napi::Persistent(info[1].As<Napi::Function>());
  napi_async_init(env, nullptr, Napi::String::New(env, "DrmEvents"), &w->context);
  r = uv_poll_start(&w->poll, UV_READABLE, OnReadable);
  if (r < 0) {
    CloseWatch(w);
    return Napi::Number::New(env, r);
  }
  uv_unref(reinterpret_cast<uv_handle_t*>(&w->poll));
  napi_add_env_cleanup_hook(env, CleanupHook, w);
  return Napi::External<Watch>::New(env, w);
}

static Napi::Value StopWatch(const Napi::CallbackInfo& info) {
  Watch* w = info[0].As<Napi::External<Watch>>().Data();
  if (!w->closed) {
    napi_remove_env_cleanup_hook(info.Env(), CleanupHook, w);
    CloseWatch(w);
  }
  return Napi::Number::New(info.Env(), 0);
}

// refWatch(handle, keepAlive): keep the loop alive while events are awaited.
static Napi::Value RefWatch(const Napi::CallbackInfo& info) {
  Watch* w = info[0].As<Napi::External<Watch>>().Data();
  if (!w->closed) {
    uv_handle_t* h = reinterpret_cast<uv_handle_t*>(&w->poll);
    if (info[1].As<Napi::Boolean>().Value()) uv_ref(h);
    else uv_unref(h);
  }
  return Napi::Number::New(info.Env(), 0);
}

void InitEventOps(Napi::Env env, Napi::Object exports) {
  exports.Set("readEvents", Napi::Function::New(env, ReadEvents, "readEvents"));
  exports.Set("watch", Napi::Function::New(env, StartWatch, "watch"));
  exports.Set("unwatch", Napi::Function::New(env, StopWatch, "unwatch"));
  exports.Set("refWatch", Napi::Function::New(env, RefWatch, "refWatch"));
}
