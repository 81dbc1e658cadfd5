// AF_UNIX SOCK_SEQPACKET sockets that carry fds (SCM_RIGHTS). Every socket is
// CLOEXEC and non-blocking; readiness comes from poll(). Every fd received is
// CLOEXEC (MSG_CMSG_CLOEXEC).
//
// unixListen(path, backlog)  -> fd | -errno (socket + bind + listen)
// unixConnect(path)          -> fd | -errno (EAGAIN: the server's backlog is full)
// unixAccept(fd)             -> fd | -errno (accept4, EAGAIN: nobody waiting)
// unixSocketPair()           -> [fd, fd] | -errno
// peerCredentials(fd)        -> { pid, uid, gid } | -errno (SO_PEERCRED)
// sendMessage(fd, text, fds, tail?) -> bytes sent | -errno (MSG_NOSIGNAL | MSG_DONTWAIT)
//   fds: an array, or one fd as a number; with tail the message is
//   text + '\n' + tail; at most 64 KiB in all (else -EMSGSIZE)
// receiveMessages(fd, max, head?) -> [text, fds, flags, text, fds, flags, ...] | -errno
//   Reads up to `max` (at most 32) messages without blocking, in one
//   recvmmsg, as flat triples (the text decoded as UTF-8). No fstat here:
//   the channel stats an fd only when the buffer is new to it. An empty
//   array means the peer hung up (end of stream);
//   -EAGAIN means nothing is waiting. flags: 1 = the kernel cut the fds
//   (MSG_CTRUNC; the fds that did arrive are closed here), 2 = the text was
//   cut (MSG_TRUNC: longer than 64 KiB), 4 = the message was 'B' + head +
//   '\n' + rest for the `head` string given (a buffer head the caller has
//   parsed before): text is only the rest, the head is neither copied nor
//   decoded again.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "ops.h"

namespace {

constexpr int kMaxFds = 16;             // received per message; more arrive as MSG_CTRUNC
constexpr int kMaxSendFds = 64;         // sent per message (the kernel allows 253)
constexpr size_t kMaxMessage = 65536;   // bytes per message; longer is MSG_TRUNC

int Fd(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

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
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int backlog = info[1].As<Napi::Number>().Int32Value();
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
  std::string path = info[0].As<Napi::String>().Utf8Value();
  struct sockaddr_un addr;
  socklen_t len = Address(path, &addr);
  int fd = NewSocket();
  if (fd < 0) return Errno(env, errno);
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<struct sockaddr*>(&addr), len);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int err = errno;
    close(fd);
    return Errno(env, err);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value Accept(const Napi::CallbackInfo& info) {
  int fd;
  do {
    fd = accept4(Fd(info, 0), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? Errno(info.Env(), errno) : Napi::Number::New(info.Env(), fd);
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
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(Fd(info, 0), SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return Errno(env, errno);
  auto o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, cred.pid));
  o.Set("uid", Napi::Number::New(env, cred.uid));
  o.Set("gid", Napi::Number::New(env, cred.gid));
  return o;
}

Napi::Value SendMessage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_env e = env;
  int fd = Fd(info, 0);
  // The text straight into a per-thread buffer (no allocation per message);
  // room for more than a message may have (never a character split at the
  // end: a text over the limit always copies more than kMaxMessage bytes).
  constexpr size_t kRoom = kMaxMessage + 8;
  static thread_local std::unique_ptr<char[]> text{new char[kRoom]};
  size_t len = 0;
  if (napi_get_value_string_utf8(e, info[1], text.get(), kRoom, &len) != napi_ok) return Errno(env, EINVAL);
  if (len > kMaxMessage) return Errno(env, EMSGSIZE);
  // A tail: the message is text + '\n' + tail, joined here (no joined JS string).
  if (info.Length() > 3 && info[3].IsString()) {
    text[len++] = '\n';
    size_t more = 0;
    if (napi_get_value_string_utf8(e, info[3], text.get() + len, kRoom - len, &more) != napi_ok)
      return Errno(env, EINVAL);
    len += more;
    if (len > kMaxMessage) return Errno(env, EMSGSIZE);
  }
  // fds: one fd as a number (the common case: no array to walk), or an array.
  int fds[kMaxSendFds];
  uint32_t nfds = 0;
  if (info[2].IsNumber()) {
    fds[nfds++] = info[2].As<Napi::Number>().Int32Value();
  } else {
    auto list = info[2].As<Napi::Array>();
    nfds = list.Length();
    if (nfds > kMaxSendFds) return Errno(env, EINVAL);
    for (uint32_t i = 0; i < nfds; i++) fds[i] = list.Get(i).As<Napi::Number>().Int32Value();
  }

  struct iovec iov = {text.get(), len};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxSendFds)];
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    memset(control, 0, msg.msg_controllen);
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Errno(env, errno);
  napi_value r;
  napi_create_int32(e, static_cast<int32_t>(n), &r);
  return Napi::Value(env, r);
}

// Per-thread receive buffers for one batch: kMaxBatch messages of up to
// kMaxMessage bytes and kMaxFds fds each (allocated uninitialised: only the
// bytes the kernel writes are ever touched).
constexpr unsigned kMaxBatch = 32;
struct Batch {
  std::unique_ptr<char[]> data{new char[kMaxBatch * kMaxMessage]};
  std::unique_ptr<char[]> control{new char[kMaxBatch * CMSG_SPACE(sizeof(int) * kMaxFds)]};
  struct mmsghdr msgs[kMaxBatch];
  struct iovec iov[kMaxBatch];
};

// The fds of one received message; on MSG_CTRUNC they are closed here.
void TakeFds(struct msghdr* msg, std::vector<int>& fds) {
  fds.clear();
  for (struct cmsghdr* c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const int* in = reinterpret_cast<const int*>(CMSG_DATA(c));
    for (size_t i = 0; i < count; i++) {
      int f;
      memcpy(&f, in + i, sizeof(int));
      fds.push_back(f);
    }
  }
  if (msg->msg_flags & MSG_CTRUNC) {
    for (int f : fds) close(f);
    fds.clear();
  }
}

// One recvmmsg takes every message waiting (up to `max`) in a single syscall.
Napi::Value ReceiveMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_env e = env;
  int fd = Fd(info, 0);
  unsigned max = info[1].As<Napi::Number>().Uint32Value();
  if (max == 0) max = 1;
  if (max > kMaxBatch) max = kMaxBatch;
  // The head the caller knows: 'B' + head + '\n' as bytes (empty: none).
  std::string known;
  if (info.Length() > 2 && info[2].IsString()) {
    known = "B" + info[2].As<Napi::String>().Utf8Value() + "\n";
  }
  static thread_local Batch batch;
  const size_t controlSize = CMSG_SPACE(sizeof(int) * kMaxFds);
  for (unsigned i = 0; i < max; i++) {
    batch.iov[i] = {batch.data.get() + i * kMaxMessage, kMaxMessage};
    struct msghdr* h = &batch.msgs[i].msg_hdr;
    memset(h, 0, sizeof(*h));
    h->msg_iov = &batch.iov[i];
    h->msg_iovlen = 1;
    h->msg_control = batch.control.get() + i * controlSize;
    h->msg_controllen = controlSize;
  }
  int got;
  do {
    got = recvmmsg(fd, batch.msgs, max, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, nullptr);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return Errno(env, errno);

  napi_value out;
  napi_create_array(e, &out);
  uint32_t slot = 0;
  std::vector<int> fds;
  fds.reserve(kMaxFds);
  bool ended = false;
  for (int i = 0; i < got; i++) {
    struct msghdr* h = &batch.msgs[i].msg_hdr;
    size_t n = batch.msgs[i].msg_len;
    TakeFds(h, fds);
    int flags = h->msg_flags;
    if (ended) {
      for (int f : fds) close(f);  // nothing follows an end of stream; never leak
      continue;
    }
    if (n == 0 && fds.empty() && !(flags & (MSG_CTRUNC | MSG_TRUNC))) {
      ended = true;  // end of stream: deliver what came before it
      continue;
    }
    size_t len = n < kMaxMessage ? n : kMaxMessage;
    const char* bytes = static_cast<const char*>(batch.iov[i].iov_base);
    int extra = 0;
    if (!known.empty() && !(flags & MSG_TRUNC) && len >= known.size() &&
        memcmp(bytes, known.data(), known.size()) == 0) {
      bytes += known.size();
      len -= known.size();
      extra = 4;
    }
    // Flat triples: text, fds, flags (1 = fds cut: MSG_CTRUNC, 2 = text cut: MSG_TRUNC, 4 = known head).
    napi_value text, list, bits;
    napi_create_string_utf8(e, bytes, len, &text);
    napi_create_array_with_length(e, fds.size(), &list);
    for (size_t k = 0; k < fds.size(); k++) {
      napi_value v;
      napi_create_int32(e, fds[k], &v);
      napi_set_element(e, list, static_cast<uint32_t>(k), v);
    }
    napi_create_int32(e, ((flags & MSG_CTRUNC) ? 1 : 0) | ((flags & MSG_TRUNC) ? 2 : 0) | extra, &bits);
    napi_set_element(e, out, slot++, text);
    napi_set_element(e, out, slot++, list);
    napi_set_element(e, out, slot++, bits);
  }
  // Only an end of stream and nothing before it gives []: the caller's "ended".
  return Napi::Value(env, out);
}

}  // namespace

void InitSocketOps(Napi::Env env, Napi::Object exports) {
  exports.Set("unixListen", Napi::Function::New(env, Listen, "unixListen"));
  exports.Set("unixConnect", Napi::Function::New(env, Connect, "unixConnect"));
  exports.Set("unixAccept", Napi::Function::New(env, Accept, "unixAccept"));
  exports.Set("unixSocketPair", Napi::Function::New(env, SocketPair, "unixSocketPair"));
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials, "peerCredentials"));
  exports.Set("sendMessage", Napi::Function::New(env, SendMessage, "sendMessage"));
  exports.Set("receiveMessages", Napi::Function::New(env, ReceiveMessages, "receiveMessages"));
}
