// Receiving on the AF_UNIX SOCK_SEQPACKET sockets of socket_ops.cc. Every fd
// received is CLOEXEC (MSG_CMSG_CLOEXEC).
//
// receiveMessages(fd, max, meta, prefix?) -> string | [text, text, ...] | -errno
//   Reads up to `max` (at most 32) messages without blocking, in one
//   recvmmsg. meta[0] is then how many messages came; exactly one comes
//   back as its text (decoded as UTF-8; ASCII made as Latin-1, the same
//   string, without the UTF-8 decoder); several whose bytes are all ASCII
//   as ONE string, their texts one after the other (Latin-1, so a byte is a
//   character: the caller cuts it at the lengths below); several of which
//   one is not ASCII as an array of texts, each decoded as UTF-8 on its own.
//   An empty array means the peer hung up (end of stream); -EAGAIN means
//   nothing is waiting; -EINVAL a meta shorter than kMetaHeader + max * 16.
//   The rest goes into `meta`, an Int32Array: for message i, meta[1 + 3i]
//   its flags, meta[2 + 3i] its text's length in bytes (in characters when
//   joined), meta[3 + 3i] its number of fds; the fds of all of them, message
//   after message, from meta[97] on (one run, so the caller can close a
//   whole batch's at once). flags: 1 = the kernel cut the fds (MSG_CTRUNC;
//   the fds that did arrive are closed here, none is listed), 2 = the text
//   was cut (MSG_TRUNC: longer than 64 KiB), 4 = the message began with the
//   bytes of `prefix` (a string the caller gives, up to 4 KiB): text is only
//   the rest, the prefix is neither copied nor decoded again. What the bytes
//   mean is the caller's business. (No array per message, none at all for
//   one or an ASCII batch: every string and element a native call makes
//   costs more than the read.)
#include <errno.h>
#include <stdint.h>
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
// receiveMessages' meta: the count, then flags, text length and number of
// fds per message (kMetaHeader elements for a full batch), then the fds.
constexpr unsigned kMetaHeader = 1 + 3 * kMaxBatch;
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
// came are closed here): how many were put in fds (room for kMaxFds).
size_t TakeFds(struct msghdr* msg, int32_t* fds) {
  size_t n = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const int* in = reinterpret_cast<const int*>(CMSG_DATA(c));
    for (size_t i = 0; i < count && n < kMaxFds; i++) memcpy(&fds[n++], in + i, sizeof(int32_t));
  }
  if (msg->msg_flags & MSG_CTRUNC) {
    for (size_t i = 0; i < n; i++) close(fds[i]);
    n = 0;
  }
  return n;
}

// Whether len bytes are all ASCII (8 at a time).
bool IsAscii(const char* p, size_t len) {
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    high |= w;
  }
  for (; i < len; i++) high |= static_cast<unsigned char>(p[i]);
  return (high & 0x8080808080808080ull) == 0;
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
  if (metaLength < kMetaHeader + max * kMaxFds) return Errno(env, EINVAL);
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

  // Flags, lengths and fds into meta, and where the stream ends (a message
  // of 0 bytes, no fd): nothing after it is delivered, and its fds are
  // closed. Each text's start (past a matched prefix) is kept in its iovec.
  int delivered = got;
  int32_t* fds = meta + kMetaHeader;
  size_t total = 0;
  bool ascii = true;
  for (int i = 0; i < got; i++) {
    struct msghdr* h = &batch.msgs[i].msg_hdr;
    size_t nfds = TakeFds(h, fds);
    if (delivered == got && batch.msgs[i].msg_len == 0 && nfds == 0 && !(h->msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
      delivered = i;  // end of stream: deliver what came before it
    if (delivered < got) {
      for (size_t k = 0; k < nfds; k++) close(fds[k]);  // nothing follows an end of stream; never leak
      continue;
    }
    fds += nfds;
    int flags = h->msg_flags;
    int32_t out = ((flags & MSG_CTRUNC) ? 1 : 0) | ((flags & MSG_TRUNC) ? 2 : 0);
    size_t n = batch.msgs[i].msg_len;
    size_t len = n < kMaxMessage ? n : kMaxMessage;
    char* bytes = batch.data.get() + i * kMaxMessage;
    if (prefixLen > 0 && !(out & 2) && len >= prefixLen && memcmp(bytes, prefix.get(), prefixLen) == 0) {
      bytes += prefixLen;
      len -= prefixLen;
      out |= 4;
    }
    batch.iov[i].iov_base = bytes;  // the text's start; reset after the texts are made
    meta[1 + 3 * i] = out;
    meta[2 + 3 * i] = static_cast<int32_t>(len);
    meta[3 + 3 * i] = static_cast<int32_t>(nfds);
    total += len;
    if (ascii && delivered > 1) ascii = IsAscii(bytes, len);
  }
  meta[0] = delivered;

  // The texts: the one string itself, the ASCII ones joined into one, or an
  // array of them made at its final length (only an end of stream and
  // nothing before it gives [], the caller's "ended").
  napi_value out = nullptr;
  if (delivered == 1) {
    // ASCII (the channel's messages are): the same string from Latin-1, without the UTF-8 decoder's passes
    const char* text = static_cast<const char*>(batch.iov[0].iov_base);
    size_t len = static_cast<size_t>(meta[2]);
    if (IsAscii(text, len))
      napi_create_string_latin1(e, text, len, &out);
    else
      napi_create_string_utf8(e, text, len, &out);
  } else if (delivered > 1 && ascii) {
    static thread_local std::unique_ptr<char[]> joined{new char[kMaxBatch * kMaxMessage]};
    char* to = joined.get();
    for (int i = 0; i < delivered; i++) {
      size_t len = static_cast<size_t>(meta[2 + 3 * i]);
      memcpy(to, batch.iov[i].iov_base, len);
      to += len;
    }
    napi_create_string_latin1(e, joined.get(), total, &out);
  } else {
    napi_create_array_with_length(e, static_cast<size_t>(delivered), &out);
    for (int i = 0; i < delivered; i++) {
      napi_value text;
      napi_create_string_utf8(e, static_cast<const char*>(batch.iov[i].iov_base), static_cast<size_t>(meta[2 + 3 * i]), &text);
      napi_set_element(e, out, static_cast<uint32_t>(i), text);
    }
  }
  for (int i = 0; i < delivered; i++) batch.iov[i].iov_base = batch.data.get() + i * kMaxMessage;
  return Napi::Value(env, out);
}

}  // namespace

void InitSocketReceive(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"receiveMessages", ReceiveMessages},
  });
}
