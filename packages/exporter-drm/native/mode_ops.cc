// KMS objects: resources, connectors, encoders, CRTCs, planes; legacy SETCRTC.
#include <cstring>

#include "ops.h"

Napi::Object ModeToJs(Napi::Env env, const drm_mode_modeinfo& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("clock", m.clock);
  o.Set("hdisplay", m.hdisplay);
  o.Set("hsyncStart", m.hsync_start);
  o.Set("hsyncEnd", m.hsync_end);
  o.Set("htotal", m.htotal);
  o.Set("hskew", m.hskew);
  o.Set("vdisplay", m.vdisplay);
  o.Set("vsyncStart", m.vsync_start);
  o.Set("vsyncEnd", m.vsync_end);
  o.Set("vtotal", m.vtotal);
  o.Set("vscan", m.vscan);
  o.Set("vrefresh", m.vrefresh);
  o.Set("flags", m.flags);
  o.Set("type", m.type);
  o.Set("name", NameOf(env, m.name));
  return o;
}

void ModeFromJs(Args& a, const Napi::Object& o, drm_mode_modeinfo* m) {
  memset(m, 0, sizeof(*m));
  // Each field: a u32 that must fit the kernel's field (u16 for the timings).
  auto field = [&](const char* k, uint32_t max) -> uint32_t {
    uint32_t v = a.U32Of(o.Get(k), k);
    if (a && v > max) a.Fail(k, max == 0xffff ? "an integer from 0 to 65535" : "an integer from 0 to 4294967295", o.Get(k));
    return a ? v : 0;
  };
  m->clock = field("clock", 0xffffffff);
  m->hdisplay = field("hdisplay", 0xffff);
  m->hsync_start = field("hsyncStart", 0xffff);
  m->hsync_end = field("hsyncEnd", 0xffff);
  m->htotal = field("htotal", 0xffff);
  m->hskew = field("hskew", 0xffff);
  m->vdisplay = field("vdisplay", 0xffff);
  m->vsync_start = field("vsyncStart", 0xffff);
  m->vsync_end = field("vsyncEnd", 0xffff);
  m->vtotal = field("vtotal", 0xffff);
  m->vscan = field("vscan", 0xffff);
  m->vrefresh = field("vrefresh", 0xffffffff);
  m->flags = field("flags", 0xffffffff);
  m->type = field("type", 0xffffffff);
  Napi::Value name = o.Get("name");
  if (a && !name.IsString()) a.Fail("name", "a string", name);
  if (!a) return;
  strncpy(m->name, name.As<Napi::String>().Utf8Value().c_str(), DRM_DISPLAY_MODE_LEN - 1);
}

static Napi::Value GetResources(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  std::vector<uint32_t> fbs, crtcs, conns, encs;
  drm_mode_card_res res{};
  int r = GetWithArrays(
      fd, DRM_IOCTL_MODE_GETRESOURCES, drm_mode_card_res{}, &res,
      [&](drm_mode_card_res& s, ArraySizer& size) {
        s.fb_id_ptr = size(fbs, s.count_fbs);
        s.crtc_id_ptr = size(crtcs, s.count_crtcs);
        s.connector_id_ptr = size(conns, s.count_connectors);
        s.encoder_id_ptr = size(encs, s.count_encoders);
      });
  if (r < 0) return Errno(env, -r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("fbs", IdArray(env, fbs.data(), res.count_fbs));
  o.Set("crtcs", IdArray(env, crtcs.data(), res.count_crtcs));
  o.Set("connectors", IdArray(env, conns.data(), res.count_connectors));
  o.Set("encoders", IdArray(env, encs.data(), res.count_encoders));
  o.Set("minWidth", res.min_width);
  o.Set("maxWidth", res.max_width);
  o.Set("minHeight", res.min_height);
  o.Set("maxHeight", res.max_height);
  return o;
}

// GETCONNECTOR; with count_modes 0 the kernel probes the connector (as libdrm does).
static Napi::Value GetConnector(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  uint32_t id = a.U32(1, "connectorId");
  if (!a) return a.Thrown();
  std::vector<uint32_t> encs, props;
  std::vector<uint64_t> values;
  std::vector<drm_mode_modeinfo> modes;
  drm_mode_get_connector query{}, c{};
  query.connector_id = id;
  int r = GetWithArrays(
      fd, DRM_IOCTL_MODE_GETCONNECTOR, query, &c,
      [&](drm_mode_get_connector& s, ArraySizer& size) {
        s.encoders_ptr = size(encs, s.count_encoders);
        s.props_ptr = size(props, s.count_props);
        s.prop_values_ptr = size(values, s.count_props);
        s.modes_ptr = size(modes, s.count_modes);
      });
  if (r < 0) return Errno(env, -r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", c.connector_id);
  o.Set("type", c.connector_type);
  o.Set("typeId", c.connector_type_id);
  o.Set("connection", c.connection);
  o.Set("mmWidth", c.mm_width);
  o.Set("mmHeight", c.mm_height);
  o.Set("encoderId", c.encoder_id);
  o.Set("encoders", IdArray(env, encs.data(), c.count_encoders));
  Napi::Array ms = Napi::Array::New(env, c.count_modes);
  for (uint32_t i = 0; i < c.count_modes; i++) ms.Set(i, ModeToJs(env, modes[i]));
  o.Set("modes", ms);
  return o;
}

static Napi::Object EncoderToJs(Napi::Env env, const drm_mode_get_encoder& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", e.encoder_id);
  o.Set("type", e.encoder_type);
  o.Set("crtcId", e.crtc_id);
  o.Set("possibleCrtcs", e.possible_crtcs);
  o.Set("possibleClones", e.possible_clones);
  return o;
}

static Napi::Value GetEncoder(const Napi::CallbackInfo& info) {
  return GetById(info, DRM_IOCTL_MODE_GETENCODER, &drm_mode_get_encoder::encoder_id, "encoderId", EncoderToJs);
}

static Napi::Object CrtcToJs(Napi::Env env, const drm_mode_crtc& c) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", c.crtc_id);
  o.Set("fbId", c.fb_id);
  o.Set("x", c.x);
  o.Set("y", c.y);
  o.Set("gammaSize", c.gamma_size);
  o.Set("modeValid", c.mode_valid);
  o.Set("mode", ModeToJs(env, c.mode));
  return o;
}

static Napi::Value GetCrtc(const Napi::CallbackInfo& info) {
  return GetById(info, DRM_IOCTL_MODE_GETCRTC, &drm_mode_crtc::crtc_id, "crtcId", CrtcToJs);
}

// SETCRTC(fd, crtcId, fbId, x, y, connectorIds[], mode | null). fbId 0 and no
// mode turns the CRTC off.
static Napi::Value SetCrtc(const Napi::CallbackInfo& info) {
  Args a(info);
  drm_mode_crtc c{};
  int fd = a.Fd(0, "fd");
  c.crtc_id = a.U32(1, "crtcId");
  c.fb_id = a.U32(2, "fbId");
  c.x = a.U32(3, "x");
  c.y = a.U32(4, "y");
  std::vector<uint32_t> conns = a.U32Array(5, "connectorIds");
  if (a && !info[6].IsNull() && !info[6].IsUndefined()) {
    ModeFromJs(a, a.Object(6, "mode"), &c.mode);
    c.mode_valid = 1;
  }
  if (!a) return a.Thrown();
  c.set_connectors_ptr = Ptr(conns.data());
  c.count_connectors = conns.size();
  return Napi::Number::New(info.Env(), Ioctl(fd, DRM_IOCTL_MODE_SETCRTC, &c));
}

static Napi::Value GetPlaneResources(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  std::vector<uint32_t> ids;
  drm_mode_get_plane_res p{};
  int r = GetWithArrays(
      fd, DRM_IOCTL_MODE_GETPLANERESOURCES, drm_mode_get_plane_res{}, &p,
      [&](drm_mode_get_plane_res& s, ArraySizer& size) { s.plane_id_ptr = size(ids, s.count_planes); });
  if (r < 0) return Errno(env, -r);
  return IdArray(env, ids.data(), p.count_planes);
}

static Napi::Value GetPlane(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  uint32_t id = a.U32(1, "planeId");
  if (!a) return a.Thrown();
  std::vector<uint32_t> formats;
  drm_mode_get_plane query{}, p{};
  query.plane_id = id;
  int r = GetWithArrays(
      fd, DRM_IOCTL_MODE_GETPLANE, query, &p,
      [&](drm_mode_get_plane& s, ArraySizer& size) { s.format_type_ptr = size(formats, s.count_format_types); });
  if (r < 0) return Errno(env, -r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", p.plane_id);
  o.Set("crtcId", p.crtc_id);
  o.Set("fbId", p.fb_id);
  o.Set("possibleCrtcs", p.possible_crtcs);
  o.Set("gammaSize", p.gamma_size);
  o.Set("formats", IdArray(env, formats.data(), p.count_format_types));
  return o;
}

void InitModeOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"getResources", GetResources},
      {"getConnector", GetConnector},
      {"getEncoder", GetEncoder},
      {"getCrtc", GetCrtc},
      {"setCrtc", SetCrtc},
      {"getPlaneResources", GetPlaneResources},
      {"getPlane", GetPlane},
  });
}
