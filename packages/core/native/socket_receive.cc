// Receiving on the AF_UNIX SOCK_SEQPACKET sockets of socket_ops.cc. Every fd
// received is CLOEXEC (MSG_CMSG_CLOEXEC).
//
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
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "ops.h"
#include "socket_limits.h"

namespace {

constexpr int kMaxFds = 16;             // received per message; more arrive as MSG_CTRUNC
constexpr size_t kMaxPrefix = 4096;     // longest prefix receiveMessages matches

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

void InitSocketReceive(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"receiveMessages", ReceiveMessages},
  });
}
