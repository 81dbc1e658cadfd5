// Framebuffers and putting them on screen: ADDFB2, RMFB, DIRTYFB, legacy
// PAGE_FLIP and ATOMIC commits.

#include "ops.h"

// ADDFB2(fd, width, height, fourcc, flags, handles[], pitches[], offsets[], modifiers bigint[]) -> fb id.
static Napi::Value AddFb2(const Napi::CallbackInfo& info) {
  Args a(info);
  drm_mode_fb_cmd2 f{};
  int fd = a.Fd(0, "fd");
  f.width = a.U32(1, "width");
  f.height = a.U32(2, "height");
  f.pixel_format = a.U32(3, "fourcc");
  f.flags = a.U32(4, "flags");
  std::vector<uint32_t> handles = a.U32Array(5, "handles"), pitches = a.U32Array(6, "pitches"),
                        offsets = a.U32Array(7, "offsets");
  std::vector<uint64_t> mods = a.U64Array(8, "modifiers");
  if (!a) return a.Thrown();
  for (uint32_t i = 0; i < 4 && i < handles.size(); i++) {
    f.handles[i] = handles[i];
    f.pitches[i] = i < pitches.size() ? pitches[i] : 0;
    f.offsets[i] = i < offsets.size() ? offsets[i] : 0;
    f.modifier[i] = i < mods.size() ? mods[i] : 0;
  }
  int r = Ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &f);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), f.fb_id);
}

static Napi::Value RmFb(const Napi::CallbackInfo& info) { return OnId<uint32_t>(info, DRM_IOCTL_MODE_RMFB, "fbId"); }

// DIRTYFB with no clips: the whole framebuffer changed (front-buffer drawing).
static Napi::Value DirtyFb(const Napi::CallbackInfo& info) {
  return OnId<drm_mode_fb_dirty_cmd>(info, DRM_IOCTL_MODE_DIRTYFB, "fbId");
}

// Legacy PAGE_FLIP(fd, crtcId, fbId, flags, userData).
static Napi::Value PageFlip(const Napi::CallbackInfo& info) {
  Args a(info);
  drm_mode_crtc_page_flip p{};
  int fd = a.Fd(0, "fd");
  p.crtc_id = a.U32(1, "crtcId");
  p.fb_id = a.U32(2, "fbId");
  p.flags = a.U32(3, "flags");
  p.user_data = a.U64(4, "userData");
  if (!a) return a.Thrown();
  return Napi::Number::New(info.Env(), Ioctl(fd, DRM_IOCTL_MODE_PAGE_FLIP, &p));
}

// ATOMIC(fd, flags, objectIds[], propCounts[], propIds[], values bigint[], userData).
// Properties come grouped by object, as the kernel wants them.
static Napi::Value AtomicCommit(const Napi::CallbackInfo& info) {
  Args args(info);
  int fd = args.Fd(0, "fd");
  drm_mode_atomic a{};
  a.flags = args.U32(1, "flags");
  std::vector<uint32_t> objs = args.U32Array(2, "objectIds"), counts = args.U32Array(3, "propCounts"),
                        props = args.U32Array(4, "propIds");
  std::vector<uint64_t> values = args.U64Array(5, "values");
  a.user_data = args.U64(6, "userData");
  // Optional 8th argument: the index of the OUT_FENCE_PTR value. The kernel
  // writes the out-fence (a sync_file fd) to that pointer; it is returned
  // instead of 0 (-1 stays when the kernel made none).
  int outIndex = info.Length() > 7 && !info[7].IsUndefined() ? args.I32(7, "outFenceIndex") : -1;
  if (!args) return args.Thrown();
  a.count_objs = objs.size();
  a.objs_ptr = Ptr(objs.data());
  a.count_props_ptr = Ptr(counts.data());
  a.props_ptr = Ptr(props.data());
  a.prop_values_ptr = Ptr(values.data());
  int32_t outFence = -1;
  if (outIndex >= 0 && static_cast<size_t>(outIndex) < values.size()) values[outIndex] = Ptr(&outFence);
  int r = Ioctl(fd, DRM_IOCTL_MODE_ATOMIC, &a);
  if (r < 0 || outIndex < 0) return Napi::Number::New(info.Env(), r);
  return Napi::Number::New(info.Env(), outFence);
}

void InitFbOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"addFb2", AddFb2},
      {"rmFb", RmFb},
      {"dirtyFb", DirtyFb},
      {"pageFlip", PageFlip},
      {"atomicCommit", AtomicCommit},
  });
}
