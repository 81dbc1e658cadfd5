// Controls: QUERY_EXT_CTRL (with NEXT_CTRL enumeration), QUERYMENU,
// G/S_EXT_CTRLS for one scalar control (32- or 64-bit value).
#include <linux/videodev2.h>
#include <string.h>

#include "ops.h"

namespace {

// G/S_EXT_CTRLS on one control's current value: 0 or -errno.
int OneControl(int fd, unsigned long request, struct v4l2_ext_control* c) {
  struct v4l2_ext_controls cs = {};
  cs.which = V4L2_CTRL_WHICH_CUR_VAL;
  cs.count = 1;
  cs.controls = c;
  return dmabuf::Ioctl(fd, request, &cs);
}

// A control's value, 64-bit or 32-bit (signed), as a BigInt.
Napi::BigInt ValueOf(Napi::Env env, const struct v4l2_ext_control& c, bool is64) {
  return Napi::BigInt::New(env, is64 ? static_cast<int64_t>(c.value64) : static_cast<int64_t>(c.value));
}

// queryExtCtrl(fd, id) -> description or -errno (id may carry V4L2_CTRL_FLAG_NEXT_CTRL)
Napi::Value QueryExtCtrl(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_query_ext_ctrl q = {};
  q.id = a.U32(1, "id");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("id", Napi::Number::New(env, q.id));
  o.Set("type", Napi::Number::New(env, q.type));
  o.Set("name", FixedString(q.name));
  o.Set("minimum", Napi::BigInt::New(env, static_cast<int64_t>(q.minimum)));
  o.Set("maximum", Napi::BigInt::New(env, static_cast<int64_t>(q.maximum)));
  o.Set("step", Napi::BigInt::New(env, static_cast<uint64_t>(q.step)));
  o.Set("defaultValue", Napi::BigInt::New(env, static_cast<int64_t>(q.default_value)));
  o.Set("flags", Napi::Number::New(env, q.flags));
  o.Set("elems", Napi::Number::New(env, q.elems));
  o.Set("elemSize", Napi::Number::New(env, q.elem_size));
  o.Set("nrOfDims", Napi::Number::New(env, q.nr_of_dims));
  return o;
}

// queryMenu(fd, id, index) -> { name, value } or -errno (value is for integer menus)
Napi::Value QueryMenu(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_querymenu m;
  memset(&m, 0, sizeof m);
  m.id = a.U32(1, "id");
  m.index = a.U32(2, "index");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_QUERYMENU, &m); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("name", FixedString(m.name));
  int64_t value;
  memcpy(&value, reinterpret_cast<const char*>(&m) + offsetof(struct v4l2_querymenu, value), sizeof value);
  o.Set("value", Napi::BigInt::New(env, value));
  return o;
}

// getCtrl(fd, id, is64) -> BigInt value or -errno (a number)
Napi::Value GetCtrl(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_ext_control c;
  memset(&c, 0, sizeof c);
  c.id = a.U32(1, "id");
  bool is64 = a.Bool(2, "is64");
  if (!a) return a.Thrown();
  if (int rc = OneControl(fd, VIDIOC_G_EXT_CTRLS, &c); rc < 0) return dmabuf::Result(env, rc);
  return ValueOf(env, c, is64);
}

// setCtrl(fd, id, value: BigInt, is64) -> BigInt value the driver kept, or -errno
Napi::Value SetCtrl(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  int64_t v = a.I64(2, "value");
  bool is64 = a.Bool(3, "is64");
  struct v4l2_ext_control c;
  memset(&c, 0, sizeof c);
  c.id = a.U32(1, "id");
  if (is64)
    c.value64 = v;
  else
    c.value = static_cast<__s32>(v);
  if (!a) return a.Thrown();
  if (int rc = OneControl(fd, VIDIOC_S_EXT_CTRLS, &c); rc < 0) return dmabuf::Result(env, rc);
  return ValueOf(env, c, is64);
}

}  // namespace

void InitControlOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"queryExtCtrl", QueryExtCtrl},
      {"queryMenu", QueryMenu},
      {"getCtrl", GetCtrl},
      {"setCtrl", SetCtrl},
  });
}
