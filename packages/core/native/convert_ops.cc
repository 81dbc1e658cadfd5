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

inline uint8_t Clamp(int v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }

// One output pixel from luma and the chroma terms shared by its pair.
inline uint32_t Pixel(int y, int r, int g, int b) {
  int c = 298 * (y - 16);
  return (static_cast<uint32_t>(Clamp((c + r) >> 8)) << 16) | (static_cast<uint32_t>(Clamp((c + g) >> 8)) << 8) |
         Clamp((c + b) >> 8);
}

inline void Chroma(int u, int v, int* r, int* g, int* b) {
  u -= 128;
  v -= 128;
  *r = 409 * v + 128;
  *g = -100 * u - 208 * v + 128;
  *b = 516 * u + 128;
}

// Packed 4:2:2: each 4 bytes are two pixels; `yAt`/`uAt`/`vAt` are the byte
// positions of Y0, U and V in the group (Y1 is yAt + 2).
void Packed(const uint8_t* src, uint32_t pitch, uint32_t w, uint32_t h, int yAt, int uAt, int vAt, uint8_t* dst,
            uint32_t dstPitch) {
  for (uint32_t row = 0; row < h; row++) {
    const uint8_t* s = src + static_cast<size_t>(row) * pitch;
    uint32_t* d = reinterpret_cast<uint32_t*>(dst + static_cast<size_t>(row) * dstPitch);
    for (uint32_t x = 0; x + 1 < w; x += 2, s += 4) {
      int r, g, b;
      Chroma(s[uAt], s[vAt], &r, &g, &b);
      d[x] = Pixel(s[yAt], r, g, b);
      d[x + 1] = Pixel(s[yAt + 2], r, g, b);
    }
    if (w & 1) {
      int r, g, b;
      Chroma(s[uAt], s[vAt], &r, &g, &b);
      d[w - 1] = Pixel(s[yAt], r, g, b);
    }
  }
}

// 4:2:0: a luma plane and chroma at half width and height, either
// interleaved U,V (NV12: uv points at U, step 2) or two planes (YU12: step 1).
void Planar420(const uint8_t* y, uint32_t yPitch, const uint8_t* u, const uint8_t* v, uint32_t cPitch, int step,
               uint32_t w, uint32_t h, uint8_t* dst, uint32_t dstPitch) {
  for (uint32_t row = 0; row < h; row++) {
    const uint8_t* ys = y + static_cast<size_t>(row) * yPitch;
    const uint8_t* us = u + static_cast<size_t>(row / 2) * cPitch;
    const uint8_t* vs = v + static_cast<size_t>(row / 2) * cPitch;
    uint32_t* d = reinterpret_cast<uint32_t*>(dst + static_cast<size_t>(row) * dstPitch);
    for (uint32_t x = 0; x < w; x += 2) {
      int r, g, b;
      Chroma(us[(x / 2) * step], vs[(x / 2) * step], &r, &g, &b);
      d[x] = Pixel(ys[x], r, g, b);
      if (x + 1 < w) d[x + 1] = Pixel(ys[x + 1], r, g, b);
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
static Napi::Value ConvertToXrgb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array src = info[0].As<Napi::Uint8Array>();
  int format = info[1].As<Napi::Number>().Int32Value();
  uint32_t w = info[2].As<Napi::Number>().Uint32Value();
  uint32_t h = info[3].As<Napi::Number>().Uint32Value();
  Napi::Array pa = info[4].As<Napi::Array>();
  Napi::Array oa = info[5].As<Napi::Array>();
  Napi::Uint8Array dst = info[6].As<Napi::Uint8Array>();
  uint32_t dstPitch = info[7].As<Napi::Number>().Uint32Value();
  uint64_t p[3] = {0, 0, 0}, o[3] = {0, 0, 0};
  for (uint32_t i = 0; i < 3; i++) {
    if (i < pa.Length()) p[i] = pa.Get(i).As<Napi::Number>().Uint32Value();
    if (i < oa.Length()) o[i] = oa.Get(i).As<Napi::Number>().Uint32Value();
  }
  if (w == 0 || h == 0 || (dstPitch & 3) || !Fits(dst.ByteLength(), 0, dstPitch, h, uint64_t{w} * 4))
    return Errno(env, EINVAL);
  const uint8_t* s = src.Data();
  size_t n = src.ByteLength();
  uint32_t cw = (w + 1) / 2, ch = (h + 1) / 2;
  switch (format) {
    case kYuyv:
    case kUyvy:
      if (!Fits(n, o[0], p[0], h, uint64_t{cw} * 4)) return Errno(env, EINVAL);
      if (format == kYuyv)
        Packed(s + o[0], p[0], w, h, 0, 1, 3, dst.Data(), dstPitch);
      else
        Packed(s + o[0], p[0], w, h, 1, 0, 2, dst.Data(), dstPitch);
      break;
    case kNv12:
      if (!Fits(n, o[0], p[0], h, w) || !Fits(n, o[1], p[1], ch, uint64_t{cw} * 2)) return Errno(env, EINVAL);
      Planar420(s + o[0], p[0], s + o[1], s + o[1] + 1, p[1], 2, w, h, dst.Data(), dstPitch);
      break;
    case kYu12:
      if (!Fits(n, o[0], p[0], h, w) || !Fits(n, o[1], p[1], ch, cw) || !Fits(n, o[2], p[2], ch, cw) ||
          p[1] != p[2])
        return Errno(env, EINVAL);
      Planar420(s + o[0], p[0], s + o[1], s + o[2], p[1], 1, w, h, dst.Data(), dstPitch);
      break;
    default:
      return Errno(env, EINVAL);
  }
  return Napi::Number::New(env, 0);
}

void InitConvertOps(Napi::Env env, Napi::Object exports) {
  exports.Set("convertToXrgb", Napi::Function::New(env, ConvertToXrgb, "convertToXrgb"));
}
