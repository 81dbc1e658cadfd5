// Pixel conversion for when a display cannot scan out a camera's format:
// YUYV, UYVY, NV12 and YU12 (I420) to XRGB8888 (XR24: bytes B, G, R, X),
// BT.601 limited range in integers, one pass over the picture. It moves
// bytes only: the layout (pitches, offsets) comes validated from TypeScript,
// and every plane's extent is checked against the buffers before the first
// byte is touched, so a wrong number is -EINVAL, never a stray write.
#include <cerrno>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

#if defined(__SSE2__)
// Eight pixels of packed 4:2:2 (16 bytes) to XR24 (32 bytes) with SSE2, the same integer
// formula as Pixel/Chroma bit for bit: 16-bit lanes multiplied into 32-bit sums (madd), an
// arithmetic >> 8, and the clamp to 0..255 by the saturating packs. Sixteen bytes per load
// and store instead of one: what counts most where memory accesses are expensive (QEMU TCG).
// Pairs of 16-bit coefficients (ca for a's lanes, cb for b's) as madd takes them.
inline __m128i Coef(int ca, int cb) {
  return _mm_set1_epi32(static_cast<int>((static_cast<uint32_t>(cb) << 16) | (static_cast<uint32_t>(ca) & 0xffff)));
}
// ca * a[i] + cb * b[i] in 32 bits, for lanes 0..3 (Madd) or 4..7 (MaddHi).
inline __m128i Madd(__m128i a, __m128i b, int ca, int cb) {
  return _mm_madd_epi16(_mm_unpacklo_epi16(a, b), Coef(ca, cb));
}
inline __m128i MaddHi(__m128i a, __m128i b, int ca, int cb) {
  return _mm_madd_epi16(_mm_unpackhi_epi16(a, b), Coef(ca, cb));
}

inline void Packed8(const uint8_t* s, uint8_t* d, bool uyvy) {
  const __m128i z = _mm_setzero_si128();
  __m128i in = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
  __m128i evens = _mm_and_si128(in, _mm_set1_epi16(0x00ff));
  __m128i odds = _mm_srli_epi16(in, 8);
  __m128i y = _mm_sub_epi16(uyvy ? odds : evens, _mm_set1_epi16(16));      // y0..y7
  __m128i uv = _mm_sub_epi16(uyvy ? evens : odds, _mm_set1_epi16(128));    // u0 v0 u1 v1 u2 v2 u3 v3
  __m128i u = _mm_shufflehi_epi16(_mm_shufflelo_epi16(uv, _MM_SHUFFLE(2, 2, 0, 0)), _MM_SHUFFLE(2, 2, 0, 0));
  __m128i v = _mm_shufflehi_epi16(_mm_shufflelo_epi16(uv, _MM_SHUFFLE(3, 3, 1, 1)), _MM_SHUFFLE(3, 3, 1, 1));
  const __m128i half = _mm_set1_epi32(128);
  __m128i yl = _mm_add_epi32(Madd(y, z, 298, 0), half), yh = _mm_add_epi32(MaddHi(y, z, 298, 0), half);
  __m128i r = _mm_packs_epi32(_mm_srai_epi32(_mm_add_epi32(yl, Madd(v, z, 409, 0)), 8),
                              _mm_srai_epi32(_mm_add_epi32(yh, MaddHi(v, z, 409, 0)), 8));
  __m128i g = _mm_packs_epi32(_mm_srai_epi32(_mm_add_epi32(yl, Madd(u, v, -100, -208)), 8),
                              _mm_srai_epi32(_mm_add_epi32(yh, MaddHi(u, v, -100, -208)), 8));
  __m128i b = _mm_packs_epi32(_mm_srai_epi32(_mm_add_epi32(yl, Madd(u, z, 516, 0)), 8),
                              _mm_srai_epi32(_mm_add_epi32(yh, MaddHi(u, z, 516, 0)), 8));
  __m128i bg = _mm_unpacklo_epi8(_mm_packus_epi16(b, z), _mm_packus_epi16(g, z));  // b0 g0 b1 g1 …
  __m128i rx = _mm_unpacklo_epi8(_mm_packus_epi16(r, z), z);                        // r0 0 r1 0 …
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm_unpacklo_epi16(bg, rx));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 16), _mm_unpackhi_epi16(bg, rx));
}
#endif

void Packed(const uint8_t* src, uint32_t pitch, uint32_t w, uint32_t h, int yAt, int uAt, int vAt, uint8_t* dst,
            uint32_t dstPitch) {
  for (uint32_t row = 0; row < h; row++) {
    const uint8_t* s = src + static_cast<size_t>(row) * pitch;
    uint32_t* d = reinterpret_cast<uint32_t*>(dst + static_cast<size_t>(row) * dstPitch);
    uint32_t x = 0;
#if defined(__SSE2__)
    for (; x + 8 <= w; x += 8, s += 16) Packed8(s, reinterpret_cast<uint8_t*>(d + x), yAt == 1);
#endif
    for (; x + 1 < w; x += 2, s += 4) {
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

// The job of (src, format, w, h, pitches, offsets, dst, dstPitch); a refused
// argument is thrown and leaves `a` false.
Job JobOf(Args& a) {
  Job j;
  Napi::Uint8Array src = a.Bytes(0, "src");
  j.format = a.I32(1, "format");
  j.w = a.U32(2, "width");
  j.h = a.U32(3, "height");
  std::vector<uint32_t> pitches = a.U32Array(4, "pitches");
  std::vector<uint32_t> offsets = a.U32Array(5, "offsets");
  Napi::Uint8Array dst = a.Bytes(6, "dst");
  j.dstPitch = a.U32(7, "dstPitch");
  if (!a) return j;
  j.s = src.Data();
  j.n = src.ByteLength();
  j.d = dst.Data();
  j.dn = dst.ByteLength();
  for (uint32_t i = 0; i < 3; i++) {
    if (i < pitches.size()) j.p[i] = pitches[i];
    if (i < offsets.size()) j.o[i] = offsets[i];
  }
  return j;
}

// The same conversion on a libuv pool thread; the JS arrays are held (referenced) until it is done.
class ConvertWorker : public Napi::AsyncWorker {
 public:
  ConvertWorker(Napi::Env env, const Napi::CallbackInfo& info, const Job& job)
      : Napi::AsyncWorker(env, "dmabuf:convertToXrgb"),
        deferred_(Napi::Promise::Deferred::New(env)),
        src_(Napi::Persistent(info[0].As<Napi::Object>())),
        dst_(Napi::Persistent(info[6].As<Napi::Object>())),
        job_(job) {}

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
  Args a(info);
  Job job = JobOf(a);
  if (!a) return a.Thrown();
  return Napi::Number::New(info.Env(), job.Run());
}

// convertToXrgbAsync(src, format, w, h, pitches, offsets, dst, dstPitch) -> Promise<0 | -errno>.
static Napi::Value ConvertToXrgbAsync(const Napi::CallbackInfo& info) {
  Args a(info);
  Job job = JobOf(a);
  if (!a) return a.Thrown();
  auto* worker = new ConvertWorker(info.Env(), info, job);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

void InitConvertOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"convertToXrgb", ConvertToXrgb},
      {"convertToXrgbAsync", ConvertToXrgbAsync},
  });
}
