// The media controller (/dev/media*) and sub-device pad formats
// (/dev/v4l-subdev*): MEDIA_IOC_DEVICE_INFO, MEDIA_IOC_G_TOPOLOGY,
// MEDIA_IOC_SETUP_LINK, VIDIOC_SUBDEV_G_FMT / S_FMT.
#include <linux/media.h>
#include <linux/v4l2-subdev.h>
#include <string.h>

#include <string>
#include <vector>

#include "ops.h"

namespace {

std::string Str(const char* s, size_t n) { return std::string(s, strnlen(s, n)); }

// mediaDeviceInfo(fd) -> { driver, model, serial, busInfo, mediaVersion, hwRevision, driverVersion } or -errno
Napi::Value MediaDeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct media_device_info d = {};
  if (Xioctl(ArgInt(info, 0), MEDIA_IOC_DEVICE_INFO, &d) < 0) return Errno(env, errno);
  auto o = Napi::Object::New(env);
  o.Set("driver", Str(d.driver, sizeof d.driver));
  o.Set("model", Str(d.model, sizeof d.model));
  o.Set("serial", Str(d.serial, sizeof d.serial));
  o.Set("busInfo", Str(d.bus_info, sizeof d.bus_info));
  o.Set("mediaVersion", d.media_version);
  o.Set("hwRevision", d.hw_revision);
  o.Set("driverVersion", d.driver_version);
  return o;
}

// mediaTopology(fd) -> { version, entities, interfaces, pads, links } or -errno.
// Two calls: the counts, then the arrays (retried if the graph grew between them).
Napi::Value MediaTopology(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0);
  std::vector<media_v2_entity> entities;
  std::vector<media_v2_interface> interfaces;
  std::vector<media_v2_pad> pads;
  std::vector<media_v2_link> links;
  struct media_v2_topology t = {};
  for (int attempt = 0;; attempt++) {
    memset(&t, 0, sizeof t);
    if (Xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &t) < 0) return Errno(env, errno);
    entities.resize(t.num_entities);
    interfaces.resize(t.num_interfaces);
    pads.resize(t.num_pads);
    links.resize(t.num_links);
    __u64 version = t.topology_version;
    t.ptr_entities = reinterpret_cast<uintptr_t>(entities.data());
    t.ptr_interfaces = reinterpret_cast<uintptr_t>(interfaces.data());
    t.ptr_pads = reinterpret_cast<uintptr_t>(pads.data());
    t.ptr_links = reinterpret_cast<uintptr_t>(links.data());
    int rc = Xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &t);
    if (rc < 0 && errno != ENOSPC) return Errno(env, errno);
    if (rc == 0 && t.topology_version == version) break;
    if (attempt == 3) return Errno(env, EAGAIN);
  }
  auto o = Napi::Object::New(env);
  o.Set("version", Napi::Number::New(env, static_cast<double>(t.topology_version)));
  auto ents = Napi::Array::New(env, t.num_entities);
  for (unsigned i = 0; i < t.num_entities; i++) {
    auto e = Napi::Object::New(env);
    e.Set("id", entities[i].id);
    e.Set("name", Str(entities[i].name, sizeof entities[i].name));
    e.Set("function", entities[i].function);
    e.Set("flags", entities[i].flags);
    ents.Set(i, e);
  }
  o.Set("entities", ents);
  auto intfs = Napi::Array::New(env, t.num_interfaces);
  for (unsigned i = 0; i < t.num_interfaces; i++) {
    auto e = Napi::Object::New(env);
    e.Set("id", interfaces[i].id);
    e.Set("type", interfaces[i].intf_type);
    e.Set("flags", interfaces[i].flags);
    e.Set("major", interfaces[i].devnode.major);
    e.Set("minor", interfaces[i].devnode.minor);
    intfs.Set(i, e);
  }
  o.Set("interfaces", intfs);
  auto ps = Napi::Array::New(env, t.num_pads);
  for (unsigned i = 0; i < t.num_pads; i++) {
    auto e = Napi::Object::New(env);
    e.Set("id", pads[i].id);
    e.Set("entityId", pads[i].entity_id);
    e.Set("flags", pads[i].flags);
    e.Set("index", pads[i].index);
    ps.Set(i, e);
  }
  o.Set("pads", ps);
  auto ls = Napi::Array::New(env, t.num_links);
  for (unsigned i = 0; i < t.num_links; i++) {
    auto e = Napi::Object::New(env);
    e.Set("id", links[i].id);
    e.Set("sourceId", links[i].source_id);
    e.Set("sinkId", links[i].sink_id);
    e.Set("flags", links[i].flags);
    ls.Set(i, e);
  }
  o.Set("links", ls);
  return o;
}

// setupLink(fd, sourceEntity, sourcePad, sinkEntity, sinkPad, flags) -> 0 or -errno
Napi::Value SetupLink(const Napi::CallbackInfo& info) {
  struct media_link_desc l = {};
  l.source.entity = ArgU32(info, 1);
  l.source.index = static_cast<__u16>(ArgU32(info, 2));
  l.sink.entity = ArgU32(info, 3);
  l.sink.index = static_cast<__u16>(ArgU32(info, 4));
  l.flags = ArgU32(info, 5);
  int rc = Xioctl(ArgInt(info, 0), MEDIA_IOC_SETUP_LINK, &l);
  return rc < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), 0);
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
  Napi::Env env = info.Env();
  struct v4l2_subdev_format f = {};
  f.pad = ArgU32(info, 1);
  f.which = ArgU32(info, 2);
  bool set = info[3].As<Napi::Boolean>().Value();
  int fd = ArgInt(info, 0);
  if (set) {
    if (Xioctl(fd, VIDIOC_SUBDEV_G_FMT, &f) < 0) return Errno(env, errno);
    f.format.width = ArgU32(info, 4);
    f.format.height = ArgU32(info, 5);
    f.format.code = ArgU32(info, 6);
    f.format.field = ArgU32(info, 7);
  }
  if (Xioctl(fd, set ? VIDIOC_SUBDEV_S_FMT : VIDIOC_SUBDEV_G_FMT, &f) < 0) return Errno(env, errno);
  return MbusToJs(env, f.format);
}

// subdevEnumCode(fd, pad, which, index) -> code or -errno (EINVAL past the end)
Napi::Value SubdevEnumCode(const Napi::CallbackInfo& info) {
  struct v4l2_subdev_mbus_code_enum c = {};
  c.pad = ArgU32(info, 1);
  c.which = ArgU32(info, 2);
  c.index = ArgU32(info, 3);
  if (Xioctl(ArgInt(info, 0), VIDIOC_SUBDEV_ENUM_MBUS_CODE, &c) < 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), c.code);
}

}  // namespace

void InitMediaOps(Napi::Env env, Napi::Object exports) {
  exports.Set("mediaDeviceInfo", Napi::Function::New(env, MediaDeviceInfo, "mediaDeviceInfo"));
  exports.Set("mediaTopology", Napi::Function::New(env, MediaTopology, "mediaTopology"));
  exports.Set("setupLink", Napi::Function::New(env, SetupLink, "setupLink"));
  exports.Set("subdevFormat", Napi::Function::New(env, SubdevFormat, "subdevFormat"));
  exports.Set("subdevEnumCode", Napi::Function::New(env, SubdevEnumCode, "subdevEnumCode"));
}
