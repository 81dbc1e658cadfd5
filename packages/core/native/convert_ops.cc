// Pixel conversion for when a display cannot scan out a camera's format:
// YUYV, UYVY, NV12 and YU12 (I420) to XRGB8888 (XR24: bytes B, G, R, X),
// BT.601 limited range in integers, one pass over the picture. It moves
// bytes only: the layout (pitches, offsets) comes validated from TypeScript,
// and every plane's extent is checked against the buffers before the first
// byte is touched, so a wrong number is -EINVAL, never a stray write.
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "ops.h"

namespace {

enum Source { kYuyv = 0, kUyvy = 1, kNv12 = 2, kYu12 = 3 };

// The BT.601 terms per byte value and a clamp by lookup, built once: per pixel a few
// loads and adds, no multiplies and no branches (which cost most under emulation, e.g. QEMU TCG).
struct Tables {
  static constexpr int kOff = 320;  // (c + chroma) >> 8 spans [-277, 534]
  int32_t y[256], rv[256], gu[256], gv[256], bu[256];
  uint8_t clamp[1024];
  Tables() {
    for (int i = 0; i < 256; i++) {
      y[i] = 298 * (i - 16);
      rv[i] = 409 * (i - 128) + 128;
      gu[i] = -100 * (i - 128);
      gv[i] = -208 * (i - 128) + 128;
      bu[i] = 516 * (i - 128) + 128;
    }
    for (int i = 0; i < 1024; i++) {
      int v = i - kOff;
      clamp[i] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  }
};

const Tables& T() {
  static const Tables t;
  return t;
}

// One output pixel from luma and the chroma terms shared by its pair.
inline uint32_t Pixel(const Tables& t, int y, int r, int g, int b) {
  int c = t.y[y];
  return (static_cast<uint32_t>(t.clamp[((c + r) >> 8) + Tables::kOff]) << 16) |
         (static_cast<uint32_t>(t.clamp[((c + g) >> 8) + Tables::kOff]) << 8) | t.clamp[((c + b) >> 8) + Tables::kOff];
}

inline void Chroma(const Tables& t, int u, int v, int* r, int* g, int* b) {
  *r = t.rv[v];
  *g = t.gu[u] + t.gv[v];
  *b = t.bu[u];
}

void Packed(const uint8_t* src, uint32_t pitch, uint32_t w, uint32_t h, int yAt, int uAt, int vAt, uint8_t* dst,
            uint32_t dstPitch) {
  const Tables& t = T();
  for (uint32_t row = 0; row < h; row++) {
    const uint8_t* s = src + static_cast<size_t>(row) * pitch;
    uint32_t* d = reinterpret_cast<uint32_t*>(dst + static_cast<size_t>(row) * dstPitch);
    for (uint32_t x = 0; x + 1 < w; x += 2, s += 4) {
      int r, g, b;
      Chroma(t, s[uAt], s[vAt], &r, &g, &b);
      d[x] = Pixel(t, s[yAt], r, g, b);
      d[x + 1] = Pixel(t, s[yAt + 2], r, g, b);
    }
    if (w & 1) {
      int r, g, b;
      Chroma(t, s[uAt], s[vAt], &r, &g, &b);
      d[w - 1] = Pixel(t, s[yAt], r, g, b);
    }
  }
}

// 4:2:0: a luma plane and chroma at half width and height, either
// interleaved U,V (NV12: uv points at U, step 2) or two planes (YU12: step 1).
void Planar420(const uint8_t* y, uint32_t yPitch, const uint8_t* u, const uint8_t* v, uint32_t cPitch, int step,
               uint32_t w, uint32_t h, uint8_t* dst, uint32_t dstPitch) {
  const Tables& t = T();
  for (uint32_t row = 0; row < h; row++) {
    const uint8_t* ys = y + static_cast<size_t>(row) * yPitch;
    const uint8_t* us = u + static_cast<size_t>(row / 2) * cPitch;
    const uint8_t* vs = v + static_cast<size_t>(row / 2) * cPitch;
    uint32_t* d = reinterpret_cast<uint32_t*>(dst + static_cast<size_t>(row) * dstPitch);
    for (uint32_t x = 0; x < w; x += 2) {
      int r, g, b;
      Chroma(t, us[(x / 2) * step], vs[(x / 2) * step], &r, &g, &b);
      d[x] = Pixel(t, ys[x], r, g, b);
      if (x + 1 < w) d[x + 1] = Pixel(t, ys[x + 1], r, g, b);
    }
  }
}

bool Fits(size_t length, uint64_t offset, uint64_t pitch, uint64_t rows, uint64_t rowBytes) {
  if (rows == 0) return true;
  return offset + pitch * (rows - 1) + rowBytes <= length;
}

}  // namespace

// convertToXrgb(src: Uint8Array, format (0 YUYV, 1 UYVY, 2 NV12, 3 YU12),
// width, height, pitches: number[3], offsets: number[3], dst: Uint8Array,
// dstPitch) -> 0 or -EINVAL.
namespace {

// One conversion: raw pointers and numbers only, so it can run off the JS thread.
struct Job {
  const uint8_t* s = nullptr;
  size_t n = 0;
  uint8_t* d = nullptr;
  size_t dn = 0;
  int format = -1;
  uint32_t w = 0, h = 0, dstPitch = 0;
  uint64_t p[3] = {0, 0, 0}, o[3] = {0, 0, 0};

  // 0, or -EINVAL when a plane does not fit its buffer.
  int Run() const {
    if (w == 0 || h == 0 || (dstPitch & 3) || !Fits(dn, 0, dstPitch, h, uint64_t{w} * 4)) return -EINVAL;
    uint32_t cw = (w + 1) / 2, ch = (h + 1) / 2;
    switch (format) {
      case kYuyv:
      case kUyvy:
        if (!Fits(n, o[0], p[0], h, uint64_t{cw} * 4)) return -EINVAL;
        if (format == kYuyv)
          Packed(s + o[0], p[0], w, h, 0, 1, 3, d, dstPitch);
        else
          Packed(s + o[0], p[0], w, h, 1, 0, 2, d, dstPitch);
        return 0;
      case kNv12:
        if (!Fits(n, o[0], p[0], h, w) || !Fits(n, o[1], p[1], ch, uint64_t{cw} * 2)) return -EINVAL;
        Planar420(s + o[0], p[0], s + o[1], s + o[1] + 1, p[1], 2, w, h, d, dstPitch);
        return 0;
      case kYu12:
        if (!Fits(n, o[0], p[0], h, w) || !Fits(n, o[1], p[1], ch, cw) || !Fits(n, o[2], p[2], ch, cw) ||
            p[1] != p[2])
          return -EINVAL;
        Planar420(s + o[0], p[0], s + o[1], s + o[2], p[1], 1, w, h, d, dstPitch);
        return 0;
      default:
        return -EINVAL;
    }
  }
};

Job JobOf(const Napi::CallbackInfo& info) {
  Job j;
  Napi::Uint8Array src = info[0].As<Napi::Uint8Array>();
  Napi::Uint8Array dst = info[6].As<Napi::Uint8Array>();
  j.s = src.Data();
  j.n = src.ByteLength();
  j.d = dst.Data();
  j.dn = dst.ByteLength();
  j.format = info[1].As<Napi::Number>().Int32Value();
  j.w = info[2].As<Napi::Number>().Uint32Value();
  j.h = info[3].As<Napi::Number>().Uint32Value();
  j.dstPitch = info[7].As<Napi::Number>().Uint32Value();
  Napi::Array pa = info[4].As<Napi::Array>();
  Napi::Array oa = info[5].As<Napi::Array>();
  for (uint32_t i = 0; i < 3; i++) {
    if (i < pa.Length()) j.p[i] = pa.Get(i).As<Napi::Number>().Uint32Value();
    if (i < oa.Length()) j.o[i] = oa.Get(i).As<Napi::Number>().Uint32Value();
  }
  return j;
}

// The same conversion on a libuv pool thread; the JS arrays are held (referenced) until it is done.
class ConvertWorker : public Napi::AsyncWorker {
 public:
  ConvertWorker(Napi::Env env, const Napi::CallbackInfo& info)
      : Napi::AsyncWorker(env, "dmabuf:convertToXrgb"),
        deferred_(Napi::Promise::Deferred::New(env)),
        src_(Napi::Persistent(info[0].As<Napi::Object>())),
        dst_(Napi::Persistent(info[6].As<Napi::Object>())),
        job_(JobOf(info)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { result_ = job_.Run(); }

  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), result_)); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference src_, dst_;
  Job job_;
  int result_ = -EINVAL;
};

}  // namespace

static Napi::Value ConvertToXrgb(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), JobOf(info).Run());
}

// convertToXrgbAsync(src, format, w, h, pitches, offsets, dst, dstPitch) -> Promise<0 | -errno>.
static Napi::Value ConvertToXrgbAsync(const Napi::CallbackInfo& info) {
  auto* worker = new ConvertWorker(info.Env(), info);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

void InitConvertOps(Napi::Env env, Napi::Object exports) {
  exports.Set("convertToXrgb", Napi::Function::New(env, ConvertToXrgb, "convertToXrgb"));
  exports.Set("convertToXrgbAsync", Napi::Function::New(env, ConvertToXrgbAsync, "convertToXrgbAsync"));
}
