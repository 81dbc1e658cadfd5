// Framebuffers and putting them on screen: ADDFB2, RMFB, DIRTYFB, legacy
// PAGE_FLIP and ATOMIC commits.
#include "ops.h"

// ADDFB2(fd, width, height, fourcc, flags, handles[], pitches[], offsets[], modifiers bigint[]) -> fb id.
static Napi::Value AddFb2(const Napi::CallbackInfo& info) {
  drm_mode_fb_cmd2 f{};
  f.width = ArgU32(info, 1);
  f.height = ArgU32(info, 2);
  f.pixel_format = ArgU32(info, 3);
  f.flags = ArgU32(info, 4);
  std::vector<uint32_t> handles = U32Array(info[5]), pitches = U32Array(info[6]), offsets = U32Array(info[7]);
  Napi::Array mods = info[8].As<Napi::Array>();
  for (uint32_t i = 0; i < 4 && i < handles.size(); i++) {
    f.handles[i] = handles[i];
    f.pitches[i] = i < pitches.size() ? pitches[i] : 0;
    f.offsets[i] = i < offsets.size() ? offsets[i] : 0;
    if (i < mods.Length()) {
      bool lossless;
      f.modifier[i] = mods.Get(i).As<Napi::BigInt>().Uint64Value(&lossless);
    }
  }
  int r = Ioctl(ArgInt(info, 0), DRM_IOCTL_MODE_ADDFB2, &f);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), f.fb_id);
}

static Napi::Value RmFb(const Napi::CallbackInfo& info) {
  uint32_t id = ArgU32(info, 1);
  return Napi::Number::New(info.Env(), Ioctl(ArgInt(info, 0), DRM_IOCTL_MODE_RMFB, &id));
}

// DIRTYFB with no clips: the whole framebuffer changed (front-buffer drawing).
static Napi::Value DirtyFb(const Napi::CallbackInfo& info) {
  drm_mode_fb_dirty_cmd d{};
  d.fb_id = ArgU32(info, 1);
  return Napi::Number::New(info.Env(), Ioctl(ArgInt(info, 0), DRM_IOCTL_MODE_DIRTYFB, &d));
}

// Legacy PAGE_FLIP(fd, crtcId, fbId, flags, userData).
static Napi::Value PageFlip(const Napi::CallbackInfo& info) {
  drm_mode_crtc_page_flip p{};
  p.crtc_id = ArgU32(info, 1);
  p.fb_id = ArgU32(info, 2);
  p.flags = ArgU32(info, 3);
  p.user_data = ArgU64(info, 4);
  return Napi::Number::New(info.Env(), Ioctl(ArgInt(info, 0), DRM_IOCTL_MODE_PAGE_FLIP, &p));
}

// ATOMIC(fd, flags, objectIds[], propCounts[], propIds[], values bigint[], userData).
// Properties come grouped by object, as the kernel wants them.
static Napi::Value AtomicCommit(const Napi::CallbackInfo& info) {
  std::vector<uint32_t> objs = U32Array(info[2]), counts = U32Array(info[3]), props = U32Array(info[4]);
  Napi::Array vals = info[5].As<Napi::Array>();
  std::vector<uint64_t> values(vals.Length());
  for (uint32_t i = 0; i < vals.Length(); i++) {
    bool lossless;
    values[i] = vals.Get(i).As<Napi::BigInt>().Uint64Value(&lossless);
  }
  drm_mode_atomic a{};
  a.flags = ArgU32(info, 1);
  a.count_objs = objs.size();
  a.objs_ptr = Ptr(objs.data());
  a.count_props_ptr = Ptr(counts.data());
  a.props_ptr = Ptr(props.data());
  a.prop_values_ptr = Ptr(values.data());
  a.user_data = ArgU64(info, 6);
  // Optional 8th argument: the index of the OUT_FENCE_PTR value. The kernel
  // writes the out-fence (a sync_file fd) to that pointer; it is returned
  // instead of 0 (-1 stays when the kernel made none).
  int outIndex = info.Length() > 7 ? ArgInt(info, 7) : -1;
  int32_t outFence = -1;
  if (outIndex >= 0 && static_cast<size_t>(outIndex) < values.size()) values[outIndex] = Ptr(&outFence);
  int r = Ioctl(ArgInt(info, 0), DRM_IOCTL_MODE_ATOMIC, &a);
  if (r < 0 || outIndex < 0) return Napi::Number::New(info.Env(), r);
  return Napi::Number::New(info.Env(), outFence);
}

void InitFbOps(Napi::Env env, Napi::Object exports) {
  exports.Set("addFb2", Napi::Function::New(env, AddFb2, "addFb2"));
  exports.Set("rmFb", Napi::Function::New(env, RmFb, "rmFb"));
  exports.Set("dirtyFb", Napi::Function::New(env, DirtyFb, "dirtyFb"));
  exports.Set("pageFlip", Napi::Function::New(env, PageFlip, "pageFlip"));
  exports.Set("atomicCommit", Napi::Function::New(env, AtomicCommit, "atomicCommit"));
}
