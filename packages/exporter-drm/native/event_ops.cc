// DRM events (page-flip completion, vblank) read from the device fd once it
// is readable (the fd is O_NONBLOCK: reading never blocks).
#include <unistd.h>

#include "ops.h"

// Read the pending events (the fd is O_NONBLOCK): one read() takes whole
// events up to the buffer's size; more left over make the fd readable again.
// Returns an array of { type, userData, sec, usec, sequence, crtcId } or -errno.
static Napi::Value ReadEventsInto(Napi::Env env, int fd) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  alignas(8) char buf[4096];
  for (;;) {
    ssize_t len = dmabuf::Retry([&] { return read(fd, buf, sizeof(buf)); });
    if (len == -EAGAIN) break;
    if (len < 0) return dmabuf::Result(env, len);
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

// readEvents(fd) -> the events pending (an array, maybe empty) or -errno.
// Waiting for them is core's watcher's (FdWatcher in TS, dmabuf::Watch in C++).
static Napi::Value ReadEvents(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  return ReadEventsInto(info.Env(), fd);
}

void InitEventOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {{"readEvents", ReadEvents}});
}
