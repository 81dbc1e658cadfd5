// JS bindings of the link engine: create, start, stop, stats, tap release.
// Arguments are checked in TypeScript (link/native-link.ts) and again by
// dmabuf::Args: a value that is not a port or a link handle is a typed
// InvalidArgumentError before anything runs, never a crash.
#include <errno.h>

#include "link_engine.h"
#include "ops.h"

namespace {

constexpr const char* kLinkExpected = "a link handle (from linkCreate)";

// linkCreate(source, sink, map: Int32Array, onEvent(kind, a, b, c), tapEvery, batchEvery, frames) -> handle or -errno
Napi::Value Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  dmabuf_port* source = PortArg(a, 0, "source");
  dmabuf_port* sink = PortArg(a, 1, "sink");
  Napi::Int32Array m = a.Int32s(2, "map");
  Napi::Function onEvent = a.Function(3, "onEvent");
  uint32_t tapEvery = a.U32(4, "tapEvery");
  uint32_t batchEvery = a.U32(5, "batchEvery");
  uint64_t frames = a.U64(6, "frames");
  if (!a) return a.Thrown();
  if (source->kind != DMABUF_PORT_SOURCE || sink->kind != DMABUF_PORT_SINK) return Errno(env, EINVAL);
  if (source->linked || sink->linked) return Errno(env, EBUSY);
  if (source->fd < 0 && sink->fd < 0) return Errno(env, EINVAL);  // nothing would ever yield to the loop
  if (m.ElementLength() != source->slots) return Errno(env, EINVAL);
  std::vector<int32_t> map(m.Data(), m.Data() + m.ElementLength());
  auto* engine = new LinkEngine(env, source, sink, std::move(map), onEvent, info[0], info[1]);
  engine->SetTap(tapEvery);
  engine->SetBatch(batchEvery);
  engine->SetLimit(static_cast<double>(frames));
  return Napi::External<LinkEngine>::New(env, engine, [](Napi::Env, LinkEngine* e) { e->Dispose(); });
}

Napi::Value Start(const Napi::CallbackInfo& info) {
  Args a(info);
  LinkEngine* e = a.External<LinkEngine>(0, "link", kLinkExpected);
  if (!a) return a.Thrown();
  return Napi::Number::New(info.Env(), e->Start());
}

// linkStop(handle): 'end' follows (at once when nothing is in flight).
Napi::Value Stop(const Napi::CallbackInfo& info) {
  Args a(info);
  LinkEngine* e = a.External<LinkEngine>(0, "link", kLinkExpected);
  if (!a) return a.Thrown();
  e->RequestStop();
  return Napi::Number::New(info.Env(), 0);
}

// linkStopNow(handle, waitMs) -> [errno (<= 0), side, op]: stopped and joined (see LinkEngine::StopNow).
Napi::Value StopNow(const Napi::CallbackInfo& info) {
  Args a(info);
  LinkEngine* e = a.External<LinkEngine>(0, "link", kLinkExpected);
  uint32_t waitMs = a.U32(1, "waitMs");
  if (a && waitMs > 60000) a.Fail("waitMs", "an integer from 0 to 60000", info[1]);
  if (!a) return a.Thrown();
  int32_t end[3] = {0, 0, 0};
  e->StopNow(waitMs, end);
  auto r = Napi::Array::New(info.Env(), 3);
  for (uint32_t i = 0; i < 3; i++) r.Set(i, Napi::Number::New(info.Env(), end[i]));
  return r;
}

// linkStats(handle, out: Float64Array of kStatCount)
Napi::Value Stats(const Napi::CallbackInfo& info) {
  Args a(info);
  LinkEngine* e = a.External<LinkEngine>(0, "link", kLinkExpected);
  Napi::Value v = info[1];
  if (a && (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
            v.As<Napi::Float64Array>().ElementLength() < kStatCount))
    a.Fail("out", "a Float64Array of LINK_STAT_COUNT numbers", v);
  if (!a) return a.Thrown();
  e->Stats(v.As<Napi::Float64Array>().Data());
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value TapRelease(const Napi::CallbackInfo& info) {
  Args a(info);
  LinkEngine* e = a.External<LinkEngine>(0, "link", kLinkExpected);
  uint32_t slot = a.U32(1, "slot");
  if (!a) return a.Thrown();
  return Napi::Number::New(info.Env(), e->TapRelease(slot));
}

// portInfo(port) -> { kind, slots, fd, linked }: what TypeScript checks before linking.
Napi::Value PortInfo(const Napi::CallbackInfo& info) {
  Args a(info);
  dmabuf_port* p = PortArg(a, 0, "port");
  if (!a) return a.Thrown();
  auto o = Napi::Object::New(info.Env());
  o.Set("kind", p->kind == DMABUF_PORT_SOURCE ? "source" : "sink");
  o.Set("slots", p->slots);
  o.Set("fd", p->fd);
  o.Set("linked", p->linked != 0);
  return o;
}

}  // namespace

void InitLinkOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"linkCreate", Create},
      {"linkStart", Start},
      {"linkStop", Stop},
      {"linkStopNow", StopNow},
      {"linkStats", Stats},
      {"linkTapRelease", TapRelease},
      {"portInfo", PortInfo},
  });
  dmabuf::SetConstants(env, exports, {{"LINK_STAT_COUNT", kStatCount}});
}
