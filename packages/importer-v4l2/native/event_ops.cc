// V4L2 events and codec commands, what a memory-to-memory device's drain and
// resolution change need: VIDIOC_SUBSCRIBE_EVENT / UNSUBSCRIBE_EVENT,
// VIDIOC_DQEVENT, VIDIOC_(TRY_)ENCODER_CMD and VIDIOC_(TRY_)DECODER_CMD.
#include <linux/videodev2.h>
#include <string.h>

#include "ops.h"

namespace {

// subscribeEvent(fd, type, id, flags, unsubscribe) -> 0 or -errno
Napi::Value SubscribeEvent(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  struct v4l2_event_subscription sub = {};
  sub.type = a.U32(1, "type");
  sub.id = a.U32(2, "id");
  sub.flags = a.U32(3, "flags");
  bool unsubscribe = a.Bool(4, "unsubscribe");
  if (!a) return a.Thrown();
  int rc = dmabuf::Ioctl(fd, unsubscribe ? VIDIOC_UNSUBSCRIBE_EVENT : VIDIOC_SUBSCRIBE_EVENT, &sub);
  return rc < 0 ? dmabuf::Result(info.Env(), rc) : Napi::Number::New(info.Env(), 0);
}

// dqevent(fd) -> { type, id, pending, sequence, sec, nsec, changes } or -errno (ENOENT: none pending)
Napi::Value Dqevent(const Napi::CallbackInfo& info) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Napi::Env env = info.Env();
  struct v4l2_event ev = {};
  if (!a) return a.Thrown();
  if (int rc = dmabuf::Ioctl(fd, VIDIOC_DQEVENT, &ev); rc < 0) return dmabuf::Result(env, rc);
  auto o = Napi::Object::New(env);
  o.Set("type", ev.type);
  o.Set("id", ev.id);
  o.Set("pending", ev.pending);
  o.Set("sequence", ev.sequence);
  o.Set("sec", Napi::Number::New(env, static_cast<double>(ev.timestamp.tv_sec)));
  o.Set("nsec", Napi::Number::New(env, static_cast<double>(ev.timestamp.tv_nsec)));
  o.Set("changes", ev.type == V4L2_EVENT_SOURCE_CHANGE ? ev.u.src_change.changes : 0);
  return o;
}

// (fd, cmd, flags, tryOnly) -> flags the driver kept, or -errno, for a codec
// command (Cmd = v4l2_encoder_cmd or v4l2_decoder_cmd: cmd and flags, the rest zero).
template <typename Cmd>
Napi::Value CodecCmd(const Napi::CallbackInfo& info, unsigned long request, unsigned long tryRequest) {
  Args a(info);
  int fd = a.Fd(0, "fd");
  Cmd c = {};
  c.cmd = a.U32(1, "cmd");
  c.flags = a.U32(2, "flags");
  bool tryOnly = a.Bool(3, "tryOnly");
  if (!a) return a.Thrown();
  int rc = dmabuf::Ioctl(fd, tryOnly ? tryRequest : request, &c);
  return rc < 0 ? dmabuf::Result(info.Env(), rc) : Napi::Number::New(info.Env(), c.flags);
}

// encoderCmd(fd, cmd, flags, tryOnly) -> flags the driver kept, or -errno
Napi::Value EncoderCmd(const Napi::CallbackInfo& info) {
  return CodecCmd<struct v4l2_encoder_cmd>(info, VIDIOC_ENCODER_CMD, VIDIOC_TRY_ENCODER_CMD);
}

// decoderCmd(fd, cmd, flags, tryOnly) -> flags the driver kept, or -errno
Napi::Value DecoderCmd(const Napi::CallbackInfo& info) {
  return CodecCmd<struct v4l2_decoder_cmd>(info, VIDIOC_DECODER_CMD, VIDIOC_TRY_DECODER_CMD);
}

}  // namespace

void InitEventOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"subscribeEvent", SubscribeEvent},
      {"dqevent", Dqevent},
      {"encoderCmd", EncoderCmd},
      {"decoderCmd", DecoderCmd},
  });
}
