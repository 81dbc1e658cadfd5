// Opening a DRM node, its driver's name and version, capabilities, master.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "ops.h"

// open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK): non-blocking so reading
// events never blocks the loop; ioctls are unaffected.
static Napi::Value Open(const Napi::CallbackInfo& info) { return dmabuf::OpenPath(info, O_RDWR | O_NONBLOCK); }

static Napi::Value Version(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  drm_version v{};
  int r = Ioctl(fd, DRM_IOCTL_VERSION, &v);
  if (r < 0) return Errno(env, -r);
  std::string name(v.name_len, '\0'), date(v.date_len, '\0'), desc(v.desc_len, '\0');
  v.name = name.data();
  v.date = date.data();
  v.desc = desc.data();
  r = Ioctl(fd, DRM_IOCTL_VERSION, &v);
  if (r < 0) return Errno(env, -r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", Napi::String::New(env, name.c_str()));
  o.Set("date", Napi::String::New(env, date.c_str()));
  o.Set("desc", Napi::String::New(env, desc.c_str()));
  o.Set("major", Napi::Number::New(env, v.version_major));
  o.Set("minor", Napi::Number::New(env, v.version_minor));
  o.Set("patch", Napi::Number::New(env, v.version_patchlevel));
  return o;
}

// DRM_IOCTL_GET_CAP: the value as a number (every cap fits in 53 bits).
static Napi::Value GetCap(const Napi::CallbackInfo& info) {
  return GetById(info, DRM_IOCTL_GET_CAP, &drm_get_cap::capability, "capability",
                 [](Napi::Env env, const drm_get_cap& c) { return Napi::Number::New(env, static_cast<double>(c.value)); });
}

static Napi::Value SetClientCap(const Napi::CallbackInfo& info) {
  Args a(info);
  drm_set_client_cap c{};
  int fd = a.Fd(0, "fd");
  c.capability = a.U32(1, "capability");
  c.value = a.U64(2, "value");
  if (!a) return a.Thrown();
  return Napi::Number::New(info.Env(), Ioctl(fd, DRM_IOCTL_SET_CLIENT_CAP, &c));
}

// SET_MASTER / DROP_MASTER(fd) -> 0 or -errno.
static Napi::Value Master(const Napi::CallbackInfo& info, unsigned long request) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  return Napi::Number::New(info.Env(), Ioctl(fd, request, nullptr));
}

static Napi::Value SetMaster(const Napi::CallbackInfo& info) { return Master(info, DRM_IOCTL_SET_MASTER); }

static Napi::Value DropMaster(const Napi::CallbackInfo& info) { return Master(info, DRM_IOCTL_DROP_MASTER); }

void InitDeviceOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"open", Open},
      {"version", Version},
      {"getCap", GetCap},
      {"setClientCap", SetClientCap},
      {"setMaster", SetMaster},
      {"dropMaster", DropMaster},
  });
}
