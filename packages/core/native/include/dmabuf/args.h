// Arguments of a native call, checked before any syscall. A wrong type, a
// fraction, NaN, a negative number where none is allowed or a number past
// what the C type holds throws the typed InvalidArgumentError of
// @dmabuf/core (naming the argument, what was expected and what came), never
// node-addon-api's own "A number was expected" and never a silent cast.
//
//   dmabuf::Args a(info);
//   int fd = a.Fd(0, "fd");
//   uint32_t handle = a.U32(1, "handle");
//   if (!a) return a.Thrown();   // the first refusal is thrown; nothing ran
//
// The error is built by the factory that loadAddon (core's load-addon.ts)
// hands every addon once, through setArgumentError() (see InitAddon).
// Without it (an addon loaded some other way), a TypeError with code
// ERR_INVALID_ARG_TYPE.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dmabuf {

// What the toolkit keeps per environment of an addon (its instance data).
struct Instance {
  // (name, expected, received) => InvalidArgumentError, from loadAddon.
  Napi::FunctionReference argumentError;
  // The addon's own per-environment state, if it needs one.
  std::shared_ptr<void> addon;
};

inline Instance* GetInstance(Napi::Env env) { return env.GetInstanceData<Instance>(); }

// Throw the typed refusal of an argument.
inline void ThrowArgumentError(Napi::Env env, const char* name, const char* expected, Napi::Value received) {
  Instance* inst = GetInstance(env);
  if (inst != nullptr && !inst->argumentError.IsEmpty()) {
    Napi::Value err = inst->argumentError.Call({Napi::String::New(env, name), Napi::String::New(env, expected), received});
    if (!env.IsExceptionPending()) Napi::Error(env, err).ThrowAsJavaScriptException();
    return;
  }
  Napi::Error e = Napi::TypeError::New(env, std::string("Expected ") + expected + " for " + name);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  e.ThrowAsJavaScriptException();
}

class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info), env_(info.Env()) {}

  // false once an argument was refused (its error is pending in JS).
  explicit operator bool() const { return !failed_; }
  // What a binding returns after a refusal (the pending error is what JS sees).
  Napi::Value Thrown() const { return env_.Undefined(); }
  Napi::Env Env() const { return env_; }
  Napi::Value operator[](size_t i) const { return info_[i]; }

  // An open file descriptor's number: 0 .. 2^31-1.
  int Fd(size_t i, const char* name) { return FdOf(info_[i], name); }
  int FdOf(Napi::Value v, const char* name) {
    return static_cast<int>(Integer(v, name, 0, INT32_MAX, "a file descriptor (an integer from 0 to 2147483647)"));
  }
  // Any int32 (flags, -1 for "none", a signed index).
  int32_t I32(size_t i, const char* name) { return I32Of(info_[i], name); }
  int32_t I32Of(Napi::Value v, const char* name) {
    return static_cast<int32_t>(Integer(v, name, INT32_MIN, INT32_MAX, "an integer from -2147483648 to 2147483647"));
  }
  uint32_t U32(size_t i, const char* name) { return U32Of(info_[i], name); }
  uint32_t U32Of(Napi::Value v, const char* name) {
    return static_cast<uint32_t>(Integer(v, name, 0, UINT32_MAX, "an integer from 0 to 4294967295"));
  }
  // A size, offset or 64-bit handle: a safe integer >= 0 (at most 2^53-1),
  // or a bigint from 0 to 2^64-1.
  uint64_t U64(size_t i, const char* name) { return U64Of(info_[i], name); }
  uint64_t U64Of(Napi::Value v, const char* name) {
    constexpr const char* kExpected = "an integer from 0 to 2^53-1 (or a bigint below 2^64)";
    if (failed_) return 0;
    if (v.IsBigInt()) {
      bool lossless = false;
      uint64_t u = v.As<Napi::BigInt>().Uint64Value(&lossless);
      if (!lossless) Fail(name, kExpected, v);
      return lossless ? u : 0;
    }
    return static_cast<uint64_t>(Integer(v, name, 0, kMaxSafe, kExpected));
  }
  // A signed 64-bit value (a seek offset, a control's value): a safe
  // integer, or a bigint from -2^63 to 2^63-1.
  int64_t I64(size_t i, const char* name) {
    constexpr const char* kExpected = "an integer from -(2^53-1) to 2^53-1 (or a bigint of 64 bits)";
    Napi::Value v = info_[i];
    if (failed_) return 0;
    if (v.IsBigInt()) {
      bool lossless = false;
      int64_t n = v.As<Napi::BigInt>().Int64Value(&lossless);
      if (!lossless) Fail(name, kExpected, v);
      return lossless ? n : 0;
    }
    return static_cast<int64_t>(Integer(v, name, -kMaxSafe, kMaxSafe, kExpected));
  }
  // A u32 field of an object that may be left out (undefined: 0).
  uint32_t OptionalU32(const Napi::Object& o, const char* key) {
    if (failed_) return 0;
    Napi::Value v = o.Get(key);
    return v.IsUndefined() ? 0 : U32Of(v, key);
  }
  // Any finite number (a timeout, with < 0 meaning none).
  double Double(size_t i, const char* name) {
    Napi::Value v = info_[i];
    if (failed_) return 0;
    if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) {
      Fail(name, "a finite number", v);
      return 0;
    }
    return v.As<Napi::Number>().DoubleValue();
  }
  bool Bool(size_t i, const char* name) { return BoolOf(info_[i], name); }
  bool BoolOf(Napi::Value v, const char* name) {
    if (failed_) return false;
    if (!v.IsBoolean()) {
      Fail(name, "a boolean", v);
      return false;
    }
    return v.As<Napi::Boolean>().Value();
  }
  std::string String(size_t i, const char* name) {
    Napi::Value v = info_[i];
    if (failed_) return std::string();
    if (!v.IsString()) {
      Fail(name, "a string", v);
      return std::string();
    }
    return v.As<Napi::String>().Utf8Value();
  }
  Napi::Function Function(size_t i, const char* name) {
    Napi::Value v = info_[i];
    if (failed_) return Napi::Function();
    if (!v.IsFunction()) {
      Fail(name, "a function", v);
      return Napi::Function();
    }
    return v.As<Napi::Function>();
  }
  Napi::Object Object(size_t i, const char* name) { return ObjectOf(info_[i], name); }
  Napi::Object ObjectOf(Napi::Value v, const char* name) {
    if (failed_) return Napi::Object();
    if (!v.IsObject()) {
      Fail(name, "an object", v);
      return Napi::Object();
    }
    return v.As<Napi::Object>();
  }
  Napi::Array Array(size_t i, const char* name) { return ArrayOf(info_[i], name); }
  Napi::Array ArrayOf(Napi::Value v, const char* name) {
    if (failed_) return Napi::Array();
    if (!v.IsArray()) {
      Fail(name, "an array", v);
      return Napi::Array();
    }
    return v.As<Napi::Array>();
  }
  // A Uint8Array (or Buffer): its bytes are what the call reads or fills.
  Napi::Uint8Array Bytes(size_t i, const char* name) {
    Napi::Value v = info_[i];
    if (failed_) return Napi::Uint8Array();
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      Fail(name, "a Uint8Array", v);
      return Napi::Uint8Array();
    }
    return v.As<Napi::Uint8Array>();
  }
  // A Float64Array whose every element is an integer from 0 to 2^53-1 (a
  // flat list of fds, offsets and sizes).
  Napi::Float64Array Integers(size_t i, const char* name) {
    Napi::Value v = info_[i];
    constexpr const char* kExpected = "a Float64Array of integers from 0 to 2^53-1";
    if (failed_) return Napi::Float64Array();
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      Fail(name, kExpected, v);
      return Napi::Float64Array();
    }
    Napi::Float64Array a = v.As<Napi::Float64Array>();
    const double* d = a.Data();
    for (size_t k = 0; k < a.ElementLength(); k++) {
      if (!(d[k] >= 0 && d[k] <= kMaxSafe) || std::trunc(d[k]) != d[k]) {
        Fail(name, kExpected, v);
        return Napi::Float64Array();
      }
    }
    return a;
  }
  // An Int32Array / Uint32Array (slot tables, framebuffer ids, fds).
  Napi::Int32Array Int32s(size_t i, const char* name) {
    return Typed<Napi::Int32Array>(i, name, napi_int32_array, "an Int32Array");
  }
  Napi::Uint32Array Uint32s(size_t i, const char* name) {
    return Typed<Napi::Uint32Array>(i, name, napi_uint32_array, "a Uint32Array");
  }
  // An Int32Array's elements and their number, with one napi call (Int32s'
  // wrapper makes three): for a scratch array passed on every call of a hot
  // path. nullptr after a refusal.
  int32_t* Int32Span(size_t i, const char* name, size_t* length) {
    Napi::Value v = info_[i];
    *length = 0;
    if (failed_) return nullptr;
    napi_typedarray_type type;
    void* data = nullptr;
    if (napi_get_typedarray_info(env_, v, &type, length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_int32_array) {
      *length = 0;
      Fail(name, "an Int32Array", v);
      return nullptr;
    }
    return static_cast<int32_t*>(data);
  }
  // A napi external made by this addon or another (a port, a link): its
  // pointer, or nullptr after a refusal. The caller checks what it points to.
  template <typename T>
  T* External(size_t i, const char* name, const char* expected) {
    Napi::Value v = info_[i];
    if (failed_) return nullptr;
    if (!v.IsExternal()) {
      Fail(name, expected, v);
      return nullptr;
    }
    return v.As<Napi::External<T>>().Data();
  }
  Napi::ArrayBuffer ArrayBuffer(size_t i, const char* name) {
    Napi::Value v = info_[i];
    if (failed_) return Napi::ArrayBuffer();
    if (!v.IsArrayBuffer()) {
      Fail(name, "an ArrayBuffer", v);
      return Napi::ArrayBuffer();
    }
    return v.As<Napi::ArrayBuffer>();
  }
  // An array of u32s (ids, handles, pitches).
  std::vector<uint32_t> U32Array(size_t i, const char* name) { return U32ArrayOf(info_[i], name); }
  std::vector<uint32_t> U32ArrayOf(Napi::Value v, const char* name) {
    std::vector<uint32_t> out;
    Napi::Array a = ArrayOf(v, name);
    if (failed_) return out;
    out.resize(a.Length());
    for (uint32_t k = 0; k < out.size() && !failed_; k++) out[k] = U32Of(a.Get(k), name);
    return out;
  }
  // An array of 64-bit values (bigints or safe integers: modifiers, property values).
  std::vector<uint64_t> U64Array(size_t i, const char* name) {
    std::vector<uint64_t> out;
    Napi::Array a = Array(i, name);
    if (failed_) return out;
    out.resize(a.Length());
    for (uint32_t k = 0; k < out.size() && !failed_; k++) out[k] = U64Of(a.Get(k), name);
    return out;
  }
  // An array of fds.
  std::vector<int> FdArray(size_t i, const char* name) {
    std::vector<int> out;
    Napi::Array a = Array(i, name);
    if (failed_) return out;
    out.resize(a.Length());
    for (uint32_t k = 0; k < out.size() && !failed_; k++) out[k] = FdOf(a.Get(k), name);
    return out;
  }

  // Refuse by hand (a value that passed the type checks but not the call's own).
  void Fail(const char* name, const char* expected, Napi::Value received) {
    if (failed_) return;
    failed_ = true;
    ThrowArgumentError(env_, name, expected, received);
  }

 private:
  static constexpr double kMaxSafe = 9007199254740991.0;  // 2^53-1

  // An integer number in [min, max]: not NaN, not a fraction, not a bigint.
  double Integer(Napi::Value v, const char* name, double min, double max, const char* expected) {
    if (failed_) return 0;
    if (!v.IsNumber()) {
      Fail(name, expected, v);
      return 0;
    }
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= min && d <= max) || std::trunc(d) != d) {
      Fail(name, expected, v);
      return 0;
    }
    return d;
  }

  template <typename A>
  A Typed(size_t i, const char* name, napi_typedarray_type type, const char* expected) {
    Napi::Value v = info_[i];
    if (failed_) return A();
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
      Fail(name, expected, v);
      return A();
    }
    return v.As<A>();
  }

  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  bool failed_ = false;
};

}  // namespace dmabuf
