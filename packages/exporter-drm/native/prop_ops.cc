// KMS properties: an object's property list, a property's name and enum
// values, property blobs (read; create from a mode; destroy).

#include "ops.h"

static Napi::Array U64Array(Napi::Env env, const uint64_t* v, size_t n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) a.Set(i, Napi::BigInt::New(env, v[i]));
  return a;
}

// OBJ_GETPROPERTIES(fd, objectId, objectType) -> { ids: number[], values: bigint[] }.
static Napi::Value GetObjectProperties(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  uint32_t objId = a.U32(1, "objectId");
  uint32_t objType = a.U32(2, "objectType");
  if (!a) return a.Thrown();
  std::vector<uint32_t> ids;
  std::vector<uint64_t> values;
  drm_mode_obj_get_properties query{}, p{};
  query.obj_id = objId;
  query.obj_type = objType;
  int r = GetWithArrays(
      fd, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, query, &p,
      [&](drm_mode_obj_get_properties& s, ArraySizer& size) {
        s.props_ptr = size(ids, s.count_props);
        s.prop_values_ptr = size(values, s.count_props);
      });
  if (r < 0) return Errno(env, -r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("ids", IdArray(env, ids.data(), p.count_props));
  o.Set("values", U64Array(env, values.data(), p.count_props));
  return o;
}

// GETPROPERTY(fd, propId) -> { id, name, flags, values: bigint[], enums: {name, value}[] }.
static Napi::Value GetProperty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  uint32_t propId = a.U32(1, "propId");
  if (!a) return a.Thrown();
  std::vector<uint64_t> values;
  std::vector<drm_mode_property_enum> enums;
  drm_mode_get_property query{}, p{};
  query.prop_id = propId;
  // Only enum and bitmask properties have enum entries (the kernel leaves the count alone for the others).
  auto isEnum = [](const drm_mode_get_property& s) { return (s.flags & (DRM_MODE_PROP_ENUM | DRM_MODE_PROP_BITMASK)) != 0; };
  int r = GetWithArrays(fd, DRM_IOCTL_MODE_GETPROPERTY, query, &p, [&](drm_mode_get_property& s, ArraySizer& size) {
    if (!isEnum(s)) s.count_enum_blobs = 0;
    s.values_ptr = size(values, s.count_values);
    s.enum_blob_ptr = isEnum(s) ? size(enums, s.count_enum_blobs) : 0;
  });
  if (r < 0) return Errno(env, -r);
  if (!isEnum(p)) p.count_enum_blobs = 0;
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", p.prop_id);
  o.Set("name", NameOf(env, p.name));
  o.Set("flags", p.flags);
  o.Set("values", U64Array(env, values.data(), p.count_values));
  Napi::Array es = Napi::Array::New(env, p.count_enum_blobs);
  for (uint32_t i = 0; i < p.count_enum_blobs; i++) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("name", NameOf(env, enums[i].name));
    e.Set("value", Napi::BigInt::New(env, static_cast<uint64_t>(enums[i].value)));
    es.Set(i, e);
  }
  o.Set("enums", es);
  return o;
}

// GETPROPBLOB(fd, blobId) -> a copy of the blob's bytes.
static Napi::Value GetPropBlob(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  drm_mode_get_blob b{};
  int fd = a.Fd(0, "fd");
  b.blob_id = a.U32(1, "blobId");
  if (!a) return a.Thrown();
  int r = Ioctl(fd, DRM_IOCTL_MODE_GETPROPBLOB, &b);
  if (r < 0) return Errno(env, -r);
  Napi::Uint8Array out = Napi::Uint8Array::New(env, b.length);
  b.data = Ptr(out.Data());
  r = Ioctl(fd, DRM_IOCTL_MODE_GETPROPBLOB, &b);
  if (r < 0) return Errno(env, -r);
  return out;
}

// CREATEPROPBLOB from a mode (for the CRTC's MODE_ID) -> blob id.
static Napi::Value CreateModeBlob(const Napi::CallbackInfo& info) {
  Args a(info);
  drm_mode_modeinfo m;
  int fd = a.Fd(0, "fd");
  Napi::Object mode = a.Object(1, "mode");
  if (a) ModeFromJs(a, mode, &m);
  if (!a) return a.Thrown();
  drm_mode_create_blob b{};
  b.data = Ptr(&m);
  b.length = sizeof(m);
  int r = Ioctl(fd, DRM_IOCTL_MODE_CREATEPROPBLOB, &b);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), b.blob_id);
}

static Napi::Value DestroyPropBlob(const Napi::CallbackInfo& info) {
  return OnId<drm_mode_destroy_blob>(info, DRM_IOCTL_MODE_DESTROYPROPBLOB, "blobId");
}

void InitPropOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"getObjectProperties", GetObjectProperties},
      {"getProperty", GetProperty},
      {"getPropBlob", GetPropBlob},
      {"createModeBlob", CreateModeBlob},
      {"destroyPropBlob", DestroyPropBlob},
  });
}
