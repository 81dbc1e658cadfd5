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
//   fds: an array, or one fd as a number; with tail the message is text
//   followed by tail, joined as they are; at most 64 KiB in all (else -EMSGSIZE)
// sendMessages(fd, list, from, count) -> messages sent | -errno
//   list: flat triples [text, tail, fds, ...] as for sendMessage (tail
//   undefined for none); sends `count` of them (at most 64) from index
//   `from` in one sendmmsg; fewer when the socket fills up; -errno only
//   when the first cannot go.
// receiveMessages(fd, max, meta, prefix?) -> text | [text, text, ...] | -errno
//   Reads up to `max` (at most 32) messages without blocking, in one
//   recvmmsg (the text decoded as UTF-8): exactly one comes back as its
//   text, several as an array of texts; an empty array means the peer hung
//   up (end of stream); -EAGAIN means nothing is waiting. The rest of each
//   message goes into `meta`, an Int32Array of at least max * 18 elements,
//   message after message: flags, the number of fds, the fds. flags: 1 = the
//   kernel cut the fds (MSG_CTRUNC; the fds that did arrive are closed
//   here), 2 = the text was cut (MSG_TRUNC: longer than 64 KiB), 4 = the
//   message began with the bytes of `prefix` (a string the caller gives, up
//   to 4 KiB): text is only the rest, the prefix is neither copied nor
//   decoded again. What the bytes mean is the caller's business. (No array
//   per message, none at all for one: a round trip reads one message at a
//   time, and every element a native call sets costs more than the read.)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "ops.h"

namespace {

constexpr int kMaxFds = 16;             // received per message; more arrive as MSG_CTRUNC
constexpr int kMaxSendFds = 64;         // sent per message (the kernel allows 253)
constexpr size_t kMaxMessage = 65536;   // bytes per message; longer is MSG_TRUNC
constexpr size_t kMaxPrefix = 4096;     // longest prefix receiveMessages matches

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

// Per-thread send buffers for one batch: kMaxSendBatch messages, each text
// (+ tail) copied straight from the JS strings (no allocation per message;
// allocated uninitialised, only the bytes written are touched), and the
// SCM_RIGHTS control of each.
constexpr unsigned kMaxSendBatch = 64;
constexpr size_t kRoom = kMaxMessage + 8;  // a text over the limit always copies more than kMaxMessage bytes
constexpr size_t kSendControl = CMSG_SPACE(sizeof(int) * kMaxSendFds);
struct SendBatch {
  std::unique_ptr<char[]> data{new char[kMaxSendBatch * kRoom]};
  std::unique_ptr<char[]> control{new char[kMaxSendBatch * kSendControl]};
  struct mmsghdr msgs[kMaxSendBatch];
  struct iovec iov[kMaxSendBatch];
};

// Message `slot` of the batch: text + tail (tail: a string or anything else
// for none; the two are joined as they are, no separator), fds: one fd as a
// number (the common case: no array to walk) or an array. 0 or an errno.
int FillMessage(napi_env e, SendBatch& b, unsigned slot, napi_value text, napi_value tail, napi_value fdsValue) {
  char* data = b.data.get() + slot * kRoom;
  size_t len = 0;
  if (napi_get_value_string_utf8(e, text, data, kRoom, &len) != napi_ok) return EINVAL;
  if (len > kMaxMessage) return EMSGSIZE;
  napi_valuetype type;
  napi_typeof(e, tail, &type);
  if (type == napi_string) {
    size_t more = 0;
    if (napi_get_value_string_utf8(e, tail, data + len, kRoom - len, &more) != napi_ok) return EINVAL;
    len += more;
    if (len > kMaxMessage) return EMSGSIZE;
  }
  int fds[kMaxSendFds];
  uint32_t nfds = 0;
  napi_typeof(e, fdsValue, &type);
  if (type == napi_number) {
    napi_get_value_int32(e, fdsValue, &fds[nfds++]);
  } else {
    if (napi_get_array_length(e, fdsValue, &nfds) != napi_ok) return EINVAL;
    if (nfds > kMaxSendFds) return EINVAL;
    for (uint32_t i = 0; i < nfds; i++) {
      napi_value v;
      napi_get_element(e, fdsValue, i, &v);
      napi_get_value_int32(e, v, &fds[i]);
    }
  }
  b.iov[slot] = {data, len};
  struct msghdr* h = &b.msgs[slot].msg_hdr;
  memset(h, 0, sizeof(*h));
  h->msg_iov = &b.iov[slot];
  h->msg_iovlen = 1;
  if (nfds > 0) {
    char* control = b.control.get() + slot * kSendControl;
    h->msg_control = control;
    h->msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    memset(control, 0, h->msg_controllen);
    struct cmsghdr* c = CMSG_FIRSTHDR(h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  return 0;
}

// One sendmmsg of the first `count` messages of the batch: how many went, or -errno.
int SendFilled(int fd, SendBatch& b, unsigned count) {
  return dmabuf::Retry([&] { return sendmmsg(fd, b.msgs, count, MSG_NOSIGNAL | MSG_DONTWAIT); });
}

SendBatch& SendBuffers() {
  static thread_local SendBatch batch;
  return batch;
}

// sendMessage(fd, text, fds, tail?): one message; bytes sent or -errno.
Napi::Value SendMessage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_env e = env;
  Args a(info);
  int fd = a.Fd(0, "fd");
  if (!a) return a.Thrown();
  SendBatch& b = SendBuffers();
  napi_value tail = info.Length() > 3 ? static_cast<napi_value>(info[3]) : static_cast<napi_value>(env.Undefined());
  int err = FillMessage(e, b, 0, info[1], tail, info[2]);
  if (err) return Errno(env, err);
  // one message: sendmsg itself (sendmmsg of one is the same work plus its loop and a msg_len write-back)
  int n = dmabuf::Retry([&] { return static_cast<int>(sendmsg(fd, &b.msgs[0].msg_hdr, MSG_NOSIGNAL | MSG_DONTWAIT)); });
  napi_value r;
  napi_create_int32(e, n, &r);
  return Napi::Value(env, r);
}

// sendMessages(fd, list, from, count): messages from..from+count-1 of the
// flat list [text, tail, fds, ...] in one sendmmsg (count at most
// kMaxSendBatch). How many went (fewer when the socket filled up), or -errno
// when the first could not go. A message that cannot be built (over 64 KiB)
// ends the batch before it; alone, it is its -errno.
Napi::Value SendMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_env e = env;
  Args a(info);
  int fd = a.Fd(0, "fd");
  napi_value list = a.Array(1, "list");
  uint32_t from = a.U32(2, "from");
  uint32_t count = a.U32(3, "count");
  if (!a) return a.Thrown();
  if (count > kMaxSendBatch) count = kMaxSendBatch;
  SendBatch& b = SendBuffers();
  unsigned filled = 0;
  for (; filled < count; filled++) {
    napi_value text, tail, fds;
    uint32_t at = (from + filled) * 3;
    napi_get_element(e, list, at, &text);
    napi_get_element(e, list, at + 1, &tail);
    napi_get_element(e, list, at + 2, &fds);
    int err = FillMessage(e, b, filled, text, tail, fds);
    if (err) {
      if (filled == 0) return Errno(env, err);
      break;
    }
  }
  if (filled == 0) return Napi::Number::New(env, 0);
  napi_value r;
  napi_create_int32(e, SendFilled(fd, b, filled), &r);
  return Napi::Value(env, r);
}

// Per-thread receive buffers for one batch: kMaxBatch messages of up to
// kMaxMessage bytes and kMaxFds fds each (allocated uninitialised: only the
// bytes the kernel writes are ever touched). The headers point at them once
// and for all; recvmmsg rewrites only each header's msg_controllen,
// msg_flags and msg_len, so a read resets msg_controllen and nothing else.
constexpr unsigned kMaxBatch = 32;
constexpr size_t kReceiveControl = CMSG_SPACE(sizeof(int) * kMaxFds);
// Elements of receiveMessages' meta per message: flags, the number of fds, the fds.
constexpr unsigned kMetaPerMessage = 2 + kMaxFds;
struct Batch {
  std::unique_ptr<char[]> data{new char[kMaxBatch * kMaxMessage]};
  std::unique_ptr<char[]> control{new char[kMaxBatch * kReceiveControl]};
  struct mmsghdr msgs[kMaxBatch];
  struct iovec iov[kMaxBatch];
  Batch() {
    memset(msgs, 0, sizeof(msgs));
    for (unsigned i = 0; i < kMaxBatch; i++) {
      iov[i] = {data.get() + i * kMaxMessage, kMaxMessage};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = control.get() + i * kReceiveControl;
    }
  }
};

// The fds of one received message (at most kMaxFds: the control buffer holds
// no more, the kernel cuts the rest with MSG_CTRUNC, and then the ones that
// came are closed here): how many were put in fds.
size_t TakeFds(struct msghdr* msg, int (&fds)[kMaxFds]) {
  size_t n = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const int* in = reinterpret_cast<const int*>(CMSG_DATA(c));
    for (size_t i = 0; i < count && n < kMaxFds; i++) memcpy(&fds[n++], in + i, sizeof(int));
  }
  if (msg->msg_flags & MSG_CTRUNC) {
    for (size_t i = 0; i < n; i++) close(fds[i]);
    n = 0;
  }
  return n;
}

// One recvmmsg takes every message waiting (up to `max`) in a single syscall.
Napi::Value ReceiveMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_env e = env;
  Args a(info);
  int fd = a.Fd(0, "fd");
  unsigned max = a.U32(1, "max");
  size_t metaLength;
  int32_t* meta = a.Int32Span(2, "meta", &metaLength);
  if (!a) return a.Thrown();
  if (max == 0) max = 1;
  if (max > kMaxBatch) max = kMaxBatch;
  if (metaLength < max * kMetaPerMessage) return Errno(env, EINVAL);
  // A prefix the caller knows (bytes; empty: none), read into a per-thread buffer.
  static thread_local std::unique_ptr<char[]> prefix{new char[kMaxPrefix + 8]};
  size_t prefixLen = 0;
  if (info.Length() > 3 && info[3].IsString() &&
      napi_get_value_string_utf8(e, info[3], prefix.get(), kMaxPrefix + 8, &prefixLen) == napi_ok &&
      prefixLen > kMaxPrefix) {
    prefixLen = 0;  // longer than any prefix worth matching (a longer string copies more): match none
  }
  static thread_local Batch batch;
  for (unsigned i = 0; i < max; i++) batch.msgs[i].msg_hdr.msg_controllen = kReceiveControl;
  int got = dmabuf::Retry([&] { return recvmmsg(fd, batch.msgs, max, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, nullptr); });
  if (got < 0) return Errno(env, -got);

  // The fds and flags into meta, and where the stream ends (a message of 0
  // bytes, no fd): nothing after it is delivered, and its fds are closed.
  int delivered = got;
  int32_t* m = meta;
  for (int i = 0; i < got; i++) {
    struct msghdr* h = &batch.msgs[i].msg_hdr;
    int fds[kMaxFds];
    size_t nfds = TakeFds(h, fds);
    if (delivered == got && batch.msgs[i].msg_len == 0 && nfds == 0 && !(h->msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
      delivered = i;  // end of stream: deliver what came before it
    if (delivered < got) {
      for (size_t k = 0; k < nfds; k++) close(fds[k]);  // nothing follows an end of stream; never leak
      continue;
    }
    int flags = h->msg_flags;
    *m++ = ((flags & MSG_CTRUNC) ? 1 : 0) | ((flags & MSG_TRUNC) ? 2 : 0);  // 4 added below
    *m++ = static_cast<int32_t>(nfds);
    memcpy(m, fds, nfds * sizeof(int));
    m += nfds;
  }

  // The texts: the one string itself, or an array of them made at its final length.
  napi_value out = nullptr;
  if (delivered != 1) napi_create_array_with_length(e, static_cast<size_t>(delivered), &out);
  m = meta;
  for (int i = 0; i < delivered; i++) {
    size_t n = batch.msgs[i].msg_len;
    size_t len = n < kMaxMessage ? n : kMaxMessage;
    const char* bytes = static_cast<const char*>(batch.iov[i].iov_base);
    if (prefixLen > 0 && !(m[0] & 2) && len >= prefixLen && memcmp(bytes, prefix.get(), prefixLen) == 0) {
      bytes += prefixLen;
      len -= prefixLen;
      m[0] |= 4;
    }
    m += 2 + m[1];
    napi_value text;
    napi_create_string_utf8(e, bytes, len, &text);
    if (delivered == 1) return Napi::Value(env, text);
    napi_set_element(e, out, static_cast<uint32_t>(i), text);
  }
  // Only an end of stream and nothing before it gives []: the caller's "ended".
  return Napi::Value(env, out);
}

}  // namespace

void InitSocketOps(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"unixListen", Listen},
      {"unixConnect", Connect},
      {"unixAccept", Accept},
      {"unixSocketPair", SocketPair},
      {"peerCredentials", PeerCredentials},
      {"sendMessage", SendMessage},
      {"sendMessages", SendMessages},
      {"receiveMessages", ReceiveMessages},
  });
}
