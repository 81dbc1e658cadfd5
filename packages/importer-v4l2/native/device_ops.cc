// Opening a V4L2 node, QUERYCAP, format enumeration and G/S/TRY_FMT, G/S_PARM,
// G/S_INPUT and G/S_OUTPUT.
#include <fcntl.h>
#include <linux/videodev2.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "ops.h"

namespace {

bool IsMplane(unsigned type) {
  return type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

std::string Str(const __u8* s, size_t n) { return std::string(reinterpret_cast<const char*>(s), strnlen(reinterpret_cast<const char*>(s), n)); }

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
  o.Set("driver", Str(cap.driver, sizeof cap.driver));
  o.Set("card", Str(cap.card, sizeof cap.card));
  o.Set("busInfo", Str(cap.bus_info, sizeof cap.bus_info));
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
  o.Set("description", Str(d.description, sizeof d.description));
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
  auto o = Napi::Object::New(env);
  o.Set("type", Napi::Number::New(env, s.type));
  if (s.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
    o.Set("minWidth", s.discrete.width);
    o.Set("maxWidth", s.discrete.width);
    o.Set("stepWidth", 0);
    o.Set("minHeight", s.discrete.height);
    o.Set("maxHeight", s.discrete.height);
    o.Set("stepHeight", 0);
  } else {
    o.Set("minWidth", s.stepwise.min_width);
    o.Set("maxWidth", s.stepwise.max_width);
    o.Set("stepWidth", s.stepwise.step_width);
    o.Set("minHeight", s.stepwise.min_height);
    o.Set("maxHeight", s.stepwise.max_height);
    o.Set("stepHeight", s.stepwise.step_height);
  }
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

// The one shape both format APIs are reported in: single-planar formats have one plane.
Napi::Object FormatToJs(Napi::Env env, const struct v4l2_format& f) {
  auto o = Napi::Object::New(env);
  auto planes = Napi::Array::New(env);
  o.Set("type", f.type);
  if (IsMplane(f.type)) {
    const auto& p = f.fmt.pix_mp;
    o.Set("width", p.width);
    o.Set("height", p.height);
    o.Set("pixelformat", p.pixelformat);
    o.Set("field", p.field);
    o.Set("colorspace", p.colorspace);
    o.Set("flags", p.flags);
    o.Set("ycbcrEnc", p.ycbcr_enc);
    o.Set("quantization", p.quantization);
    o.Set("xferFunc", p.xfer_func);
    for (unsigned i = 0; i < p.num_planes && i < VIDEO_MAX_PLANES; i++) {
      auto pl = Napi::Object::New(env);
      pl.Set("bytesperline", p.plane_fmt[i].bytesperline);
      pl.Set("sizeimage", p.plane_fmt[i].sizeimage);
      planes.Set(i, pl);
    }
  } else {
    const auto& p = f.fmt.pix;
    o.Set("width", p.width);
    o.Set("height", p.height);
    o.Set("pixelformat", p.pixelformat);
    o.Set("field", p.field);
    o.Set("colorspace", p.colorspace);
    o.Set("flags", p.flags);
    o.Set("ycbcrEnc", p.ycbcr_enc);
    o.Set("quantization", p.quantization);
    o.Set("xferFunc", p.xfer_func);
    auto pl = Napi::Object::New(env);
    pl.Set("bytesperline", p.bytesperline);
    pl.Set("sizeimage", p.sizeimage);
    planes.Set(0u, pl);
  }
  o.Set("planes", planes);
  return o;
}

// (a refused field is thrown and leaves `a` false)
void FormatFromJs(Args& a, const Napi::Object& o, unsigned type, struct v4l2_format* f) {
  f->type = type;
  auto Get = [&](const Napi::Object& from, const char* key) { return a.OptionalU32(from, key); };
  Napi::Array planes = o.Get("planes").IsArray() ? o.Get("planes").As<Napi::Array>() : Napi::Array::New(o.Env());
  if (IsMplane(type)) {
    auto& p = f->fmt.pix_mp;
    p.width = Get(o, "width");
    p.height = Get(o, "height");
    p.pixelformat = Get(o, "pixelformat");
    p.field = Get(o, "field");
    p.colorspace = Get(o, "colorspace");
    p.flags = Get(o, "flags");
    p.ycbcr_enc = Get(o, "ycbcrEnc");
    p.quantization = Get(o, "quantization");
    p.xfer_func = Get(o, "xferFunc");
    p.num_planes = planes.Length() < VIDEO_MAX_PLANES ? planes.Length() : VIDEO_MAX_PLANES;
    for (unsigned i = 0; i < p.num_planes; i++) {
      auto pl = a.ObjectOf(planes.Get(i), "planes");
      if (!a) return;
      p.plane_fmt[i].bytesperline = Get(pl, "bytesperline");
      p.plane_fmt[i].sizeimage = Get(pl, "sizeimage");
    }
  } else {
    auto& p = f->fmt.pix;
    p.width = Get(o, "width");
    p.height = Get(o, "height");
    p.pixelformat = Get(o, "pixelformat");
    p.field = Get(o, "field");
    p.colorspace = Get(o, "colorspace");
    p.flags = Get(o, "flags");
    p.ycbcr_enc = Get(o, "ycbcrEnc");
    p.quantization = Get(o, "quantization");
    p.xfer_func = Get(o, "xferFunc");
    p.priv = V4L2_PIX_FMT_PRIV_MAGIC;  // the extended fields above are valid
    if (planes.Length() > 0) {
      auto pl = a.ObjectOf(planes.Get(0u), "planes");
      if (!a) return;
      p.bytesperline = Get(pl, "bytesperline");
      p.sizeimage = Get(pl, "sizeimage");
    }
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

// getParm(fd, type) -> { capability, numerator, denominator } or -errno
Napi::Value GetParm(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_streamparm p = {};
  p.type = a.U32(1, "type");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_G_PARM, &p); rc < 0) return dmabuf::Result(env, rc);
  bool out = V4L2_TYPE_IS_OUTPUT(p.type);
  auto o = Napi::Object::New(env);
  o.Set("capability", out ? p.parm.output.capability : p.parm.capture.capability);
  const auto& t = out ? p.parm.output.timeperframe : p.parm.capture.timeperframe;
  o.Set("numerator", t.numerator);
  o.Set("denominator", t.denominator);
  return o;
}

// setParm(fd, type, numerator, denominator) -> the interval the driver chose, or -errno
Napi::Value SetParm(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_streamparm p = {};
  p.type = a.U32(1, "type");
  bool out = V4L2_TYPE_IS_OUTPUT(p.type);
  auto& t = out ? p.parm.output.timeperframe : p.parm.capture.timeperframe;
  t.numerator = a.U32(2, "numerator");
  t.denominator = a.U32(3, "denominator");
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_S_PARM, &p); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("capability", out ? p.parm.output.capability : p.parm.capture.capability);
  o.Set("numerator", t.numerator);
  o.Set("denominator", t.denominator);
  return o;
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

// enumIo(fd, output, index) -> { name, type, capabilities } or -errno
Napi::Value EnumIo(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  bool output = a.Bool(1, "output");
  auto o = Napi::Object::New(env);
  if (output) {
    struct v4l2_output d = {};
    d.index = a.U32(2, "index");
    if (!a) return a.Thrown();
    if (int rc = dmabuf::Ioctl(fd, VIDIOC_ENUMOUTPUT, &d); rc < 0) return dmabuf::Result(env, rc);
    o.Set("name", Str(d.name, sizeof d.name));
    o.Set("type", d.type);
    o.Set("capabilities", d.capabilities);
  } else {
    struct v4l2_input d = {};
    d.index = a.U32(2, "index");
    if (!a) return a.Thrown();
    if (int rc = dmabuf::Ioctl(fd, VIDIOC_ENUMINPUT, &d); rc < 0) return dmabuf::Result(env, rc);
    o.Set("name", Str(d.name, sizeof d.name));
    o.Set("type", d.type);
    o.Set("capabilities", d.capabilities);
    o.Set("status", d.status);
  }
  return o;
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
