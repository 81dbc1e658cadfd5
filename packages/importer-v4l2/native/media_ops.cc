// The media controller (/dev/media*) and sub-device pad formats
// (/dev/v4l-subdev*): MEDIA_IOC_DEVICE_INFO, MEDIA_IOC_G_TOPOLOGY,
// MEDIA_IOC_SETUP_LINK, VIDIOC_SUBDEV_G_FMT / S_FMT.
#include <linux/media.h>
#include <linux/v4l2-subdev.h>
#include <string.h>

#include <vector>

#include "ops.h"

namespace {

// The first n elements of a topology array as JS objects, each filled by set(object, element).
template <typename T, typename Set>
Napi::Array ObjectsOf(Napi::Env env, const std::vector<T>& items, uint32_t n, Set set) {
  auto out = Napi::Array::New(env, n);
  for (uint32_t i = 0; i < n; i++) {
    auto o = Napi::Object::New(env);
    set(o, items[i]);
    out.Set(i, o);
  }
  return out;
}

// mediaDeviceInfo(fd) -> { driver, model, serial, busInfo, mediaVersion, hwRevision, driverVersion } or -errno
Napi::Value MediaDeviceInfo(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct media_device_info d = {};
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, MEDIA_IOC_DEVICE_INFO, &d); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("driver", FixedString(d.driver));
  o.Set("model", FixedString(d.model));
  o.Set("serial", FixedString(d.serial));
  o.Set("busInfo", FixedString(d.bus_info));
  o.Set("mediaVersion", d.media_version);
  o.Set("hwRevision", d.hw_revision);
  o.Set("driverVersion", d.driver_version);
  return o;
}

// mediaTopology(fd) -> { version, entities, interfaces, pads, links } or -errno.
// Two calls: the counts, then the arrays (retried if the graph grew between them).
Napi::Value MediaTopology(const Napi::CallbackInfo& info) {
  Args a(info);
  Napi::Env env = info.Env();
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  std::vector<media_v2_entity> entities;
  std::vector<media_v2_interface> interfaces;
  std::vector<media_v2_pad> pads;
  std::vector<media_v2_link> links;
  struct media_v2_topology t = {};
  for (int attempt = 0;; attempt++) {
    memset(&t, 0, sizeof t);
    if (int rc = dmabuf::Ioctl(fd, MEDIA_IOC_G_TOPOLOGY, &t); rc < 0) return dmabuf::Result(env, rc);
    entities.resize(t.num_entities);
    interfaces.resize(t.num_interfaces);
    pads.resize(t.num_pads);
    links.resize(t.num_links);
    __u64 version = t.topology_version;
    t.ptr_entities = reinterpret_cast<uintptr_t>(entities.data());
    t.ptr_interfaces = reinterpret_cast<uintptr_t>(interfaces.data());
    t.ptr_pads = reinterpret_cast<uintptr_t>(pads.data());
    t.ptr_links = reinterpret_cast<uintptr_t>(links.data());
    int rc = dmabuf::Ioctl(fd, MEDIA_IOC_G_TOPOLOGY, &t);
    if (rc < 0 && rc != -ENOSPC) return dmabuf::Result(env, rc);
    if (rc == 0 && t.topology_version == version) break;
    if (attempt == 3) return Errno(env, EAGAIN);
  }
  auto o = Napi::Object::New(env);
  o.Set("version", Napi::Number::New(env, static_cast<double>(t.topology_version)));
  o.Set("entities", ObjectsOf(env, entities, t.num_entities, [](Napi::Object& e, const media_v2_entity& x) {
    e.Set("id", x.id);
    e.Set("name", FixedString(x.name));
    e.Set("function", x.function);
    e.Set("flags", x.flags);
  }));
  o.Set("interfaces", ObjectsOf(env, interfaces, t.num_interfaces, [](Napi::Object& e, const media_v2_interface& x) {
    e.Set("id", x.id);
    e.Set("type", x.intf_type);
    e.Set("flags", x.flags);
    e.Set("major", x.devnode.major);
    e.Set("minor", x.devnode.minor);
  }));
  o.Set("pads", ObjectsOf(env, pads, t.num_pads, [](Napi::Object& e, const media_v2_pad& x) {
    e.Set("id", x.id);
    e.Set("entityId", x.entity_id);
    e.Set("flags", x.flags);
    e.Set("index", x.index);
  }));
  o.Set("links", ObjectsOf(env, links, t.num_links, [](Napi::Object& e, const media_v2_link& x) {
    e.Set("id", x.id);
    e.Set("sourceId", x.source_id);
    e.Set("sinkId", x.sink_id);
    e.Set("flags", x.flags);
  }));
  return o;
}

// setupLink(fd, sourceEntity, sourcePad, sinkEntity, sinkPad, flags) -> 0 or -errno
Napi::Value SetupLink(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  struct media_link_desc l = {};
  l.source.entity = a.U32(1, "sourceEntity");
  l.source.index = static_cast<__u16>(a.U32(2, "sourcePad"));
  l.sink.entity = a.U32(3, "sinkEntity");
  l.sink.index = static_cast<__u16>(a.U32(4, "sinkPad"));
  l.flags = a.U32(5, "flags");
  if (!a) return a.Thrown();
  int rc = dmabuf::Ioctl(fd, MEDIA_IOC_SETUP_LINK, &l);
  return rc < 0 ? dmabuf::Result(info.Env(), rc) : Napi::Number::New(info.Env(), 0);
}

Napi::Object MbusToJs(Napi::Env env, const v4l2_mbus_framefmt& f) {
  auto o = Napi::Object::New(env);
  o.Set("width", f.width);
  o.Set("height", f.height);
  o.Set("code", f.code);
  o.Set("field", f.field);
  o.Set("colorspace", f.colorspace);
  return o;
}

// subdevFormat(fd, pad, which, set, width, height, code, field) -> { width, height, code, field, colorspace } or -errno
Napi::Value SubdevFormat(const Napi::CallbackInfo& info) {
  Args a(info);
  Napi::Env env = info.Env();
  struct v4l2_subdev_format f = {};
  f.pad = a.U32(1, "pad");
  f.which = a.U32(2, "which");
  bool set = a.Bool(3, "set");
  int fd = a.Fd(0, "fd");
  v4l2_mbus_framefmt want = {};
  if (set) {
    want.width = a.U32(4, "width");
    want.height = a.U32(5, "height");
    want.code = a.U32(6, "code");
    want.field = a.U32(7, "field");
  }
  if (!a) return a.Thrown();
  if (set) {
    if (int rc = dmabuf::Ioctl(fd, VIDIOC_SUBDEV_G_FMT, &f); rc < 0) return dmabuf::Result(env, rc);
    f.format.width = want.width;
    f.format.height = want.height;
    f.format.code = want.code;
    f.format.field = want.field;
  }
  if (int rc = dmabuf::Ioctl(fd, set ? VIDIOC_SUBDEV_S_FMT : VIDIOC_SUBDEV_G_FMT, &f); rc < 0) return dmabuf::Result(env, rc);
  return MbusToJs(env, f.format);
}

// subdevEnumCode(fd, pad, which, index) -> code or -errno (EINVAL past the end)
Napi::Value SubdevEnumCode(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  struct v4l2_subdev_mbus_code_enum c = {};
  c.pad = a.U32(1, "pad");
  c.which = a.U32(2, "which");
  c.index = a.U32(3, "index");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_SUBDEV_ENUM_MBUS_CODE, &c); rc < 0) return dmabuf::Result(info.Env(), rc);
  return Napi::Number::New(info.Env(), c.code);
}

}  // namespace

void InitMediaOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"mediaDeviceInfo", MediaDeviceInfo},
      {"mediaTopology", MediaTopology},
      {"setupLink", SetupLink},
      {"subdevFormat", SubdevFormat},
      {"subdevEnumCode", SubdevEnumCode},
  });
}
