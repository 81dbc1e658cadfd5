// vgem's fence ioctls: attach a fence to a vgem buffer (a GEM handle on the
// vgem device), signal it later. The uAPI is include/uapi/drm/vgem_drm.h,
// which Debian's libdrm headers do not ship: its two structs are declared
// here, as the kernel defines them.
#include "ops.h"

struct dmabuf_vgem_fence_attach {
  uint32_t handle;
  uint32_t flags;
  uint32_t out_fence;
  uint32_t pad;
};

struct dmabuf_vgem_fence_signal {
  uint32_t fence;
  uint32_t flags;
};

#define DMABUF_VGEM_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct dmabuf_vgem_fence_attach)
#define DMABUF_VGEM_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + 0x2, struct dmabuf_vgem_fence_signal)

// VGEM_FENCE_ATTACH(fd, handle, flags) -> fence id.
static Napi::Value FenceAttach(const Napi::CallbackInfo& info) {
  Args args(info);
  dmabuf_vgem_fence_attach a{};
  int fd = args.Fd(0, "fd");
  a.handle = args.U32(1, "handle");
  a.flags = args.U32(2, "flags");
  if (!args) return args.Thrown();
  int r = Ioctl(fd, DMABUF_VGEM_FENCE_ATTACH, &a);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), a.out_fence);
}

// VGEM_FENCE_SIGNAL(fd, fenceId) -> 0 or -errno.
static Napi::Value FenceSignal(const Napi::CallbackInfo& info) {
  return OnId<dmabuf_vgem_fence_signal>(info, DMABUF_VGEM_FENCE_SIGNAL, "fenceId");
}

void InitVgemOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"vgemFenceAttach", FenceAttach},
      {"vgemFenceSignal", FenceSignal},
  });
}
