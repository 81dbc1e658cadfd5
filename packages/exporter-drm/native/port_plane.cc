// A KMS plane as a sink port of core's link engine (see @dmabuf/core
// native/include/dmabuf/port.h): submit flips the plane to the slot's
// framebuffer (an atomic commit of FB_ID alone, or legacy PAGE_FLIP), with a
// flip event; collect reads the flip events from the device fd. A slot is
// done with when the flip *replacing* it has completed: only then is it off
// screen. Framebuffers were created in TypeScript, once per slot.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <dmabuf/port.h>

#include "ops.h"

namespace {

// user_data of our flip events: a tag, so an event of anyone else on the fd is not taken for ours
constexpr uint64_t kTag = 0x6c696e6b00000000ull;  // 'link'
// a flip not completed by then never will (the display unplugged, its CRTC gone): the link stops
constexpr uint32_t kFlipWithinMs = 5000;

struct Plane {
  int device;  // the display's fd (borrowed: the display outlives the link)
  bool atomic;
  uint32_t crtc;
  uint32_t plane;
  uint32_t fb_prop;
  std::vector<uint32_t> fbs;  // per slot
  int32_t shown = -1;         // on screen now
  int32_t flipping = -1;      // submitted, not yet complete
};

Plane* Of(dmabuf_port* p) { return static_cast<Plane*>(p->self); }

int Submit(dmabuf_port* p, uint32_t slot, dmabuf_done*, uint32_t) {
  Plane* k = Of(p);
  if (slot >= k->fbs.size()) return -EINVAL;
  if (k->flipping >= 0) return -EBUSY;
  const uint64_t user = kTag | slot;
  int r;
  if (k->atomic) {
    uint32_t objs[1] = {k->plane};
    uint32_t counts[1] = {1};
    uint32_t props[1] = {k->fb_prop};
    uint64_t values[1] = {k->fbs[slot]};
    struct drm_mode_atomic a = {};
    a.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
    a.count_objs = 1;
    a.objs_ptr = Ptr(objs);
    a.count_props_ptr = Ptr(counts);
    a.props_ptr = Ptr(props);
    a.prop_values_ptr = Ptr(values);
    a.user_data = user;
    r = Ioctl(k->device, DRM_IOCTL_MODE_ATOMIC, &a);
  } else {
    struct drm_mode_crtc_page_flip f = {};
    f.crtc_id = k->crtc;
    f.fb_id = k->fbs[slot];
    f.flags = DRM_MODE_PAGE_FLIP_EVENT;
    f.user_data = user;
    r = Ioctl(k->device, DRM_IOCTL_MODE_PAGE_FLIP, &f);
  }
  if (r < 0) return r;
  k->flipping = static_cast<int32_t>(slot);
  return 0;
}

int Collect(dmabuf_port* p, dmabuf_done* out, uint32_t max) {
  Plane* k = Of(p);
  alignas(8) char buf[1024];
  ssize_t len = dmabuf::Retry([&] { return read(k->device, buf, sizeof buf); });
  if (len < 0) return len == -EAGAIN ? 0 : static_cast<int>(len);
  uint32_t n = 0;
  for (ssize_t i = 0; i + static_cast<ssize_t>(sizeof(drm_event)) <= len && n < max;) {
    const auto* e = reinterpret_cast<const drm_event*>(buf + i);
    if (e->length < sizeof(drm_event) || i + static_cast<ssize_t>(e->length) > len) break;
    i += e->length;
    if (e->type != DRM_EVENT_FLIP_COMPLETE || e->length < sizeof(drm_event_vblank)) continue;
    const auto* v = reinterpret_cast<const drm_event_vblank*>(e);
    if ((v->user_data & 0xffffffff00000000ull) != kTag) continue;
    int32_t slot = static_cast<int32_t>(v->user_data & 0xffffffffu);
    if (slot != k->flipping) continue;
    out[n].shown = slot;
    out[n].released = k->shown != slot ? k->shown : -1;
    out[n].time_ns = dmabuf::MicrosecondsToNs(v->tv_sec, v->tv_usec);
    k->shown = slot;
    k->flipping = -1;
    n++;
  }
  return static_cast<int>(n);
}

int Start(dmabuf_port* p) {
  Of(p)->shown = -1;
  Of(p)->flipping = -1;
  return 0;
}

int Stop(dmabuf_port* p) {
  // what is on screen stays there (the display restores the CRTC at close)
  Of(p)->flipping = -1;
  return 0;
}

int Health(dmabuf_port* p) {
  struct drm_version v = {};
  int rc = Ioctl(Of(p)->device, DRM_IOCTL_VERSION, &v);
  return rc < 0 ? rc : -EIO;
}

// planePort(fd, atomic, crtcId, planeId, fbIdProp, fbIds: Uint32Array) -> port or -errno
Napi::Value PlanePort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int device = a.Fd(0, "fd");
  bool atomic = a.Bool(1, "atomic");
  uint32_t crtc = a.U32(2, "crtcId");
  uint32_t plane = a.U32(3, "planeId");
  uint32_t fbProp = a.U32(4, "fbIdProp");
  Napi::Uint32Array fbs = a.Uint32s(5, "fbIds");
  if (a && fbs.ElementLength() == 0) a.Fail("fbIds", "a Uint32Array of at least one framebuffer id", info[5]);
  if (!a) return a.Thrown();
  // collect() reads events without blocking (the display's fd is O_NONBLOCK already: the JS events read it so)
  int fl = fcntl(device, F_GETFL);
  if (fl < 0 || ((fl & O_NONBLOCK) == 0 && fcntl(device, F_SETFL, fl | O_NONBLOCK) < 0)) return Errno(env, errno);
  auto* k = new Plane();
  k->device = device;
  k->atomic = atomic;
  k->crtc = crtc;
  k->plane = plane;
  k->fb_prop = fbProp;
  k->fbs.assign(fbs.Data(), fbs.Data() + fbs.ElementLength());
  dmabuf_port* p = NewOwningPort(DMABUF_PORT_SINK, static_cast<uint32_t>(k->fbs.size()), k->device, DMABUF_PORT_READABLE, k);
  if (p == nullptr) return Errno(env, ENOMEM);
  p->max_in_flight = 1;
  p->complete_within_ms = kFlipWithinMs;
  // a flip's event only frees the framebuffer it replaced: it can wait for the camera's next frame
  p->flags = DMABUF_PORT_COLLECT_LATER;
  p->start = Start;
  p->submit = Submit;
  p->collect = Collect;
  p->stop = Stop;
  p->health = Health;
  return WrapPort(env, p);
}

}  // namespace

void InitPortOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {{"planePort", PlanePort}});
}
