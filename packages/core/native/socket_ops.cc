// AF_UNIX SOCK_SEQPACKET sockets that carry fds (SCM_RIGHTS): making,
// connecting and accepting them. Every socket is CLOEXEC and non-blocking;
// readiness comes from poll(). Sending is socket_send.cc, receiving
// socket_receive.cc.
//
// unixListen(path, backlog)  -> fd | -errno (socket + bind + listen)
// unixConnect(path)          -> fd | -errno (EAGAIN: the server's backlog is full)
// unixAccept(fd)             -> fd | -errno (accept4, EAGAIN: nobody waiting)
// unixSocketPair()           -> [fd, fd] | -errno
// peerCredentials(fd)        -> { pid, uid, gid } | -errno (SO_PEERCRED)
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/un.h>

#include <string>

#include "ops.h"

namespace {

// Fill a sockaddr_un from a path (checked in TS: 1..107 bytes).
socklen_t Address(const std::string& path, struct sockaddr_un* addr) {
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  size_t n = path.size() < sizeof(addr->sun_path) - 1 ? path.size() : sizeof(addr->sun_path) - 1;
  memcpy(addr->sun_path, path.data(), n);
  return static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

int NewSocket() { return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); }

Napi::Value Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  std::string path = a.String(0, "path");
  int backlog = a.I32(1, "backlog");
  if (!a) return a.Thrown();
  struct sockaddr_un addr;
  socklen_t len = Address(path, &addr);
  int fd = NewSocket();
  if (fd < 0) return Errno(env, errno);
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), len) < 0 || listen(fd, backlog) < 0) {
    int err = errno;
    close(fd);
    return Errno(env, err);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  std::string path = a.String(0, "path");
  if (!a) return a.Thrown();
  struct sockaddr_un addr;
  socklen_t len = Address(path, &addr);
  int fd = NewSocket();
  if (fd < 0) return Errno(env, errno);
  int rc = dmabuf::Retry([&] { return connect(fd, reinterpret_cast<struct sockaddr*>(&addr), len); });
  if (rc < 0) {
    close(fd);
    return dmabuf::Result(env, rc);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value Accept(const Napi::CallbackInfo& info) {
  Args a(info);
  int listener = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  return dmabuf::Result(info.Env(),
                        dmabuf::Retry([&] { return accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK); }));
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) return Errno(env, errno);
  auto a = Napi::Array::New(env, 2);
  a.Set(uint32_t{0}, sv[0]);
  a.Set(uint32_t{1}, sv[1]);
  return a;
}

Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return Errno(env, errno);
  auto o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, cred.pid));
  o.Set("uid", Napi::Number::New(env, cred.uid));
  o.Set("gid", Napi::Number::New(env, cred.gid));
  return o;
}
}  // namespace

void InitSocketOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"unixListen", Listen},
      {"unixConnect", Connect},
      {"unixAccept", Accept},
      {"unixSocketPair", SocketPair},
      {"peerCredentials", PeerCredentials},
  });
}
