// Readiness of a V4L2 fd through libuv: a Poller wraps one uv_poll_t on the
// environment's loop and calls back (status, events) on the main thread, so
// DQBUF waits never block the event loop and never need a thread.
#include <uv.h>

#include "ops.h"

namespace {

class Poller;

struct Handle {
  uv_poll_t poll;
  Poller* owner;
};

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod<&Poller::Start>("start"), InstanceMethod<&Poller::Stop>("stop"),
                        InstanceMethod<&Poller::Close>("close")});
  }

  // new Poller(fd, callback(status, events)); status < 0 is -errno from libuv
  explicit Poller(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<Poller>(info), context_(info.Env(), "dmabuf.v4l2.poll") {
    fd_ = ArgInt(info, 0);
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
  }

  ~Poller() override { Release(); }

 private:
  // start(events: 1 readable | 2 writable | 4 disconnect | 8 prioritized) -> 0 or -errno
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (handle_ == nullptr) {
      uv_loop_t* loop = nullptr;
      if (napi_get_uv_event_loop(env, &loop) != napi_ok) return Errno(env, EINVAL);
      handle_ = new Handle{};
      handle_->owner = this;
      int rc = uv_poll_init(loop, &handle_->poll, fd_);
      if (rc < 0) {
        delete handle_;
        handle_ = nullptr;
        return Napi::Number::New(env, rc);
      }
      handle_->poll.data = handle_;
    }
    int rc = uv_poll_start(&handle_->poll, ArgInt(info, 0), OnEvent);
    if (rc == 0 && !active_) {
      active_ = true;
      Ref();  // keep the wrapper alive while libuv may call it
    }
    return Napi::Number::New(env, rc);
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    Deactivate();
    return info.Env().Undefined();
  }

  // close(): stop and free the libuv handle; the Poller cannot be started again.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Deactivate();
    Release();
    return info.Env().Undefined();
  }

  void Deactivate() {
    if (handle_ != nullptr) uv_poll_stop(&handle_->poll);
    if (active_) {
      active_ = false;
      Unref();
    }
  }

  void Release() {
    if (handle_ == nullptr) return;
    handle_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_->poll), [](uv_handle_t* h) { delete static_cast<Handle*>(h->data); });
    handle_ = nullptr;
  }

  static void OnEvent(uv_poll_t* poll, int status, int events) {
    auto* h = static_cast<Handle*>(poll->data);
    Poller* self = h->owner;
    if (self == nullptr) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    self->callback_.MakeCallback(env.Global(), {Napi::Number::New(env, status), Napi::Number::New(env, events)}, self->context_);
  }

  int fd_ = -1;
  bool active_ = false;
  Handle* handle_ = nullptr;
  Napi::FunctionReference callback_;
  Napi::AsyncContext context_;
};

}  // namespace

void InitPollOps(Napi::Env env, Napi::Object exports) {
  exports.Set("Poller", Poller::Define(env));
  auto c = Napi::Object::New(env);
  c.Set("READABLE", static_cast<int>(UV_READABLE));
  c.Set("WRITABLE", static_cast<int>(UV_WRITABLE));
  c.Set("DISCONNECT", static_cast<int>(UV_DISCONNECT));
  c.Set("PRIORITIZED", static_cast<int>(UV_PRIORITIZED));
  exports.Set("poll", c);
}
