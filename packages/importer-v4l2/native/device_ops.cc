// Opening a V4L2 node, QUERYCAP, format enumeration and G/S/TRY_FMT, G/S_PARM,
// G/S_INPUT and G/S_OUTPUT.
#include <fcntl.h>
#include <linux/videodev2.h>
#include <unistd.h>

#include <type_traits>

#include "ops.h"

namespace {

// open(path) -> fd (O_RDWR | O_NONBLOCK | O_CLOEXEC) or -errno
Napi::Value Open(const Napi::CallbackInfo& info) { return dmabuf::OpenPath(info, O_RDWR | O_NONBLOCK); }

Napi::Value Querycap(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_capability cap = {};
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_QUERYCAP, &cap); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("driver", FixedString(cap.driver));
  o.Set("card", FixedString(cap.card));
  o.Set("busInfo", FixedString(cap.bus_info));
  o.Set("version", Napi::Number::New(env, cap.version));
  o.Set("capabilities", Napi::Number::New(env, cap.capabilities));
  o.Set("deviceCaps", Napi::Number::New(env, cap.device_caps));
  return o;
}

// enumFmt(fd, type, index) -> { pixelformat, flags, description, mbusCode } or -errno
Napi::Value EnumFmt(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_fmtdesc d = {};
  d.type = a.U32(1, "type");
  d.index = a.U32(2, "index");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_ENUM_FMT, &d); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("pixelformat", Napi::Number::New(env, d.pixelformat));
  o.Set("flags", Napi::Number::New(env, d.flags));
  o.Set("description", FixedString(d.description));
  o.Set("mbusCode", Napi::Number::New(env, d.mbus_code));
  return o;
}

// enumFrameSizes(fd, pixelformat, index) -> { type, min/max/step widths and heights } or -errno
Napi::Value EnumFrameSizes(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_frmsizeenum s = {};
  s.pixel_format = a.U32(1, "pixelformat");
  s.index = a.U32(2, "index");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &s); rc < 0) return dmabuf::Result(env, rc);
  // A discrete size is reported as a range of one size, step 0.
  const auto& d = s.discrete;
  struct v4l2_frmsize_stepwise r = s.type == V4L2_FRMSIZE_TYPE_DISCRETE ? v4l2_frmsize_stepwise{d.width, d.width, 0, d.height, d.height, 0} : s.stepwise;
  auto o = Napi::Object::New(env);
  o.Set("type", Napi::Number::New(env, s.type));
  o.Set("minWidth", r.min_width);
  o.Set("maxWidth", r.max_width);
  o.Set("stepWidth", r.step_width);
  o.Set("minHeight", r.min_height);
  o.Set("maxHeight", r.max_height);
  o.Set("stepHeight", r.step_height);
  return o;
}

Napi::Object Fract(Napi::Env env, const struct v4l2_fract& f) {
  auto o = Napi::Object::New(env);
  o.Set("numerator", f.numerator);
  o.Set("denominator", f.denominator);
  return o;
}

// enumFrameIntervals(fd, pixelformat, width, height, index) -> { type, min, max, step } or -errno
Napi::Value EnumFrameIntervals(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_frmivalenum s = {};
  s.pixel_format = a.U32(1, "pixelformat");
  s.width = a.U32(2, "width");
  s.height = a.U32(3, "height");
  s.index = a.U32(4, "index");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &s); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("type", Napi::Number::New(env, s.type));
  if (s.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
    o.Set("min", Fract(env, s.discrete));
    o.Set("max", Fract(env, s.discrete));
  } else {
    o.Set("min", Fract(env, s.stepwise.min));
    o.Set("max", Fract(env, s.stepwise.max));
    o.Set("step", Fract(env, s.stepwise.step));
  }
  return o;
}

// The fields struct v4l2_pix_format and v4l2_pix_format_mplane share, by the
// same names (their widths differ: __u32 in one, __u8 in the other for some).
template <typename Pix>
void PixToJs(Napi::Object& o, const Pix& p) {
  o.Set("width", p.width);
  o.Set("height", p.height);
  o.Set("pixelformat", p.pixelformat);
  o.Set("field", p.field);
  o.Set("colorspace", p.colorspace);
  o.Set("flags", p.flags);
  o.Set("ycbcrEnc", p.ycbcr_enc);
  o.Set("quantization", p.quantization);
  o.Set("xferFunc", p.xfer_func);
}

// (a refused field is thrown and leaves `a` false)
template <typename Pix>
void PixFromJs(Args& a, const Napi::Object& o, Pix* p) {
  p->width = a.OptionalU32(o, "width");
  p->height = a.OptionalU32(o, "height");
  p->pixelformat = a.OptionalU32(o, "pixelformat");
  p->field = a.OptionalU32(o, "field");
  p->colorspace = a.OptionalU32(o, "colorspace");
  p->flags = a.OptionalU32(o, "flags");
  p->ycbcr_enc = a.OptionalU32(o, "ycbcrEnc");
  p->quantization = a.OptionalU32(o, "quantization");
  p->xfer_func = a.OptionalU32(o, "xferFunc");
}

// A plane's line and image size: a v4l2_plane_pix_format, or the single plane
// of a v4l2_pix_format (same field names).
template <typename Plane>
Napi::Object PlaneFmtToJs(Napi::Env env, const Plane& p) {
  auto pl = Napi::Object::New(env);
  pl.Set("bytesperline", p.bytesperline);
  pl.Set("sizeimage", p.sizeimage);
  return pl;
}

// planes[i] into `p` (a refusal is thrown and leaves `a` false).
template <typename Plane>
void PlaneFmtFromJs(Args& a, const Napi::Array& planes, unsigned i, Plane* p) {
  auto pl = a.ObjectOf(planes.Get(i), "planes");
  if (!a) return;
  p->bytesperline = a.OptionalU32(pl, "bytesperline");
  p->sizeimage = a.OptionalU32(pl, "sizeimage");
}

// The one shape both format APIs are reported in: single-planar formats have one plane.
Napi::Object FormatToJs(Napi::Env env, const struct v4l2_format& f) {
  auto o = Napi::Object::New(env);
  auto planes = Napi::Array::New(env);
  o.Set("type", f.type);
  if (IsMplane(f.type)) {
    const auto& p = f.fmt.pix_mp;
    PixToJs(o, p);
    for (unsigned i = 0; i < p.num_planes && i < VIDEO_MAX_PLANES; i++) planes.Set(i, PlaneFmtToJs(env, p.plane_fmt[i]));
  } else {
    PixToJs(o, f.fmt.pix);
    planes.Set(0u, PlaneFmtToJs(env, f.fmt.pix));
  }
  o.Set("planes", planes);
  return o;
}

// (a refused field is thrown and leaves `a` false)
void FormatFromJs(Args& a, const Napi::Object& o, unsigned type, struct v4l2_format* f) {
  f->type = type;
  Napi::Array planes = o.Get("planes").IsArray() ? o.Get("planes").As<Napi::Array>() : Napi::Array::New(o.Env());
  if (IsMplane(type)) {
    auto& p = f->fmt.pix_mp;
    PixFromJs(a, o, &p);
    p.num_planes = planes.Length() < VIDEO_MAX_PLANES ? planes.Length() : VIDEO_MAX_PLANES;
    for (unsigned i = 0; i < p.num_planes && a; i++) PlaneFmtFromJs(a, planes, i, &p.plane_fmt[i]);
  } else {
    auto& p = f->fmt.pix;
    PixFromJs(a, o, &p);
    p.priv = V4L2_PIX_FMT_PRIV_MAGIC;  // the extended fields above are valid
    if (planes.Length() > 0) PlaneFmtFromJs(a, planes, 0, &p);
  }
}

// getFormat(fd, type) -> format or -errno
Napi::Value GetFormat(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  struct v4l2_format f = {};
  f.type = a.U32(1, "type");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_G_FMT, &f); rc < 0) return dmabuf::Result(info.Env(), rc);
  return FormatToJs(info.Env(), f);
}

// setFormat(fd, type, format, tryOnly) -> the format the driver chose, or -errno
Napi::Value SetFormat(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  struct v4l2_format f = {};
  unsigned type = a.U32(1, "type");
  Napi::Object format = a.Object(2, "format");
  if (a) FormatFromJs(a, format, type, &f);
  bool tryOnly = a.Bool(3, "tryOnly");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, tryOnly ? VIDIOC_TRY_FMT : VIDIOC_S_FMT, &f); rc < 0) return dmabuf::Result(info.Env(), rc);
  return FormatToJs(info.Env(), f);
}

// A stream's frame interval, its output's or its capture's by its type.
struct v4l2_fract& TimePerFrame(struct v4l2_streamparm& p) {
  return V4L2_TYPE_IS_OUTPUT(p.type) ? p.parm.output.timeperframe : p.parm.capture.timeperframe;
}

Napi::Object ParmToJs(Napi::Env env, struct v4l2_streamparm& p) {
  auto o = Napi::Object::New(env);
  o.Set("capability", V4L2_TYPE_IS_OUTPUT(p.type) ? p.parm.output.capability : p.parm.capture.capability);
  o.Set("numerator", TimePerFrame(p).numerator);
  o.Set("denominator", TimePerFrame(p).denominator);
  return o;
}

// getParm(fd, type) -> { capability, numerator, denominator } or -errno
Napi::Value GetParm(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_streamparm p = {};
  p.type = a.U32(1, "type");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_G_PARM, &p); rc < 0) return dmabuf::Result(env, rc);
  return ParmToJs(env, p);
}

// setParm(fd, type, numerator, denominator) -> the interval the driver chose, or -errno
Napi::Value SetParm(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_streamparm p = {};
  p.type = a.U32(1, "type");
  TimePerFrame(p).numerator = a.U32(2, "numerator");
  TimePerFrame(p).denominator = a.U32(3, "denominator");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_S_PARM, &p); rc < 0) return dmabuf::Result(env, rc);
  return ParmToJs(env, p);
}

// getIo(fd, output) -> current input/output index or -errno
Napi::Value GetIo(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  int index = 0;
  bool output = a.Bool(1, "output");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, output ? VIDIOC_G_OUTPUT : VIDIOC_G_INPUT, &index); rc < 0) return dmabuf::Result(info.Env(), rc);
  return Napi::Number::New(info.Env(), index);
}

// setIo(fd, output, index) -> index or -errno
Napi::Value SetIo(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  int index = a.I32(2, "index");
  bool output = a.Bool(1, "output");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, output ? VIDIOC_S_OUTPUT : VIDIOC_S_INPUT, &index); rc < 0) return dmabuf::Result(info.Env(), rc);
  return Napi::Number::New(info.Env(), index);
}

// ENUMINPUT (Io = v4l2_input) or ENUMOUTPUT (v4l2_output) of index: an input also says its status.
template <typename Io>
Napi::Value EnumIoOf(Args& a, int fd, unsigned long request, unsigned index) {
  Napi::Env env = a.Env();
  Io d = {};
  d.index = index;
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, request, &d); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("name", FixedString(d.name));
  o.Set("type", d.type);
  o.Set("capabilities", d.capabilities);
  if constexpr (std::is_same_v<Io, struct v4l2_input>) o.Set("status", d.status);
  return o;
}

// enumIo(fd, output, index) -> { name, type, capabilities[, status] } or -errno
Napi::Value EnumIo(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  bool output = a.Bool(1, "output");
  unsigned index = a.U32(2, "index");
  if (output) return EnumIoOf<struct v4l2_output>(a, fd, VIDIOC_ENUMOUTPUT, index);
  return EnumIoOf<struct v4l2_input>(a, fd, VIDIOC_ENUMINPUT, index);
}

}  // namespace

void InitDeviceOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"open", Open},
      {"querycap", Querycap},
      {"enumFmt", EnumFmt},
      {"enumFrameSizes", EnumFrameSizes},
      {"enumFrameIntervals", EnumFrameIntervals},
      {"getFormat", GetFormat},
      {"setFormat", SetFormat},
      {"getParm", GetParm},
      {"setParm", SetParm},
      {"getIo", GetIo},
      {"setIo", SetIo},
      {"enumIo", EnumIo},
  });
}
