// Sending on the AF_UNIX SOCK_SEQPACKET sockets of socket_ops.cc: text and
// fds (SCM_RIGHTS) per message, one sendmsg or one sendmmsg for a batch.
//
// sendMessage(fd, text, fds, tail?) -> bytes sent | -errno (MSG_NOSIGNAL | MSG_DONTWAIT)
//   fds: an array, or one fd as a number; with tail the message is text
//   followed by tail, joined as they are; at most 64 KiB in all (else -EMSGSIZE)
// sendMessages(fd, texts, meta, count) -> messages sent | -errno
//   texts: the messages' texts joined in one string (no separator);
//   meta (Int32Array): per message, one after the other, its length in
//   texts (UTF-16 code units, as JS counts a string), its number of fds (at
//   most 64) and the fds. Sends the first `count` (at most 64) in one
//   sendmmsg; fewer when the socket fills up, or before a message over
//   64 KiB (EMSGSIZE) or one meta does not describe (EINVAL); -errno only
//   when the first cannot go. One string and one typed array whatever the
//   count: reading a JS list element by element cost ~2k instructions a
//   message.
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "ops.h"
#include "socket_limits.h"

namespace {

constexpr int kMaxSendFds = 64;  // sent per message (the kernel allows 253)

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

// The header of message `slot`, whose text is b.iov[slot]: that iovec and,
// with fds, their SCM_RIGHTS control.
void SetMessage(SendBatch& b, unsigned slot, const int* fds, uint32_t nfds) {
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
}

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
  SetMessage(b, slot, fds, nfds);
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

// Bytes of the UTF-8 text at p (n bytes there) that hold its next `units`
// UTF-16 code units (a JS string's length), or -1 when it has fewer, or when
// the units end inside a surrogate pair (4 UTF-8 bytes, 2 units). The text is
// what napi_get_value_string_utf8 wrote: valid UTF-8, one lead byte per unit
// but for 4-byte sequences.
long Utf8Bytes(const unsigned char* p, size_t n, size_t units) {
  size_t i = 0;
  while (units > 0) {
    if (i >= n) return -1;
    unsigned char c = p[i];
    if (c < 0x80) {
      i += 1;
      units -= 1;
    } else if (c < 0xF0) {
      i += c < 0xE0 ? 2 : 3;
      units -= 1;
    } else {
      if (units < 2) return -1;
      i += 4;
      units -= 2;
    }
  }
  return i <= n ? static_cast<long>(i) : -1;
}

// sendMessages(fd, texts, meta, count): the first `count` messages (at most
// kMaxSendBatch) in one sendmmsg. texts: their texts joined; meta: per
// message its length in texts (UTF-16 code units), its number of fds and the
// fds. The whole of texts is copied once (UTF-8) into the batch buffer and
// each message's iovec points into it: one string and one typed array to
// read, whatever the count. How many went (fewer when the socket filled up),
// or -errno when the first could not go. A message that cannot be built (over
// 64 KiB: EMSGSIZE; a meta that does not describe texts: EINVAL) ends the
// batch before it; alone, it is its -errno.
Napi::Value SendMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_env e = env;
  Args a(info);
  int fd = a.Fd(0, "fd");
  napi_value texts = info[1];
  napi_valuetype type = napi_undefined;
  napi_typeof(e, texts, &type);
  if (a && type != napi_string) a.Fail("texts", "a string", info[1]);
  size_t metaLength = 0;
  const int32_t* meta = a.Int32Span(2, "meta", &metaLength);
  uint32_t count = a.U32(3, "count");
  if (!a) return a.Thrown();
  if (count > kMaxSendBatch) count = kMaxSendBatch;
  // The messages meta describes in full, and the code units of their texts.
  size_t units = 0, at = 0;
  unsigned described = 0;
  for (; described < count; described++) {
    if (at + 2 > metaLength) break;
    int32_t n = meta[at], nfds = meta[at + 1];
    if (n < 0 || nfds < 0 || nfds > kMaxSendFds || at + 2 + nfds > metaLength) break;
    units += n;
    at += 2 + nfds;
  }
  if (described == 0) return count == 0 ? Napi::Number::New(env, 0) : Errno(env, EINVAL);
  SendBatch& b = SendBuffers();
  // A valid batch (each message at most kMaxMessage bytes) always fits; a
  // longer texts is cut, which only a message over kMaxMessage reaches.
  constexpr size_t kCapacity = kMaxSendBatch * kRoom;
  char* data = b.data.get();
  size_t written = 0;
  napi_get_value_string_utf8(e, texts, data, kCapacity, &written);
  // every code unit one byte (ASCII): each message's bytes are its units
  bool ascii = written == units && written + 4 < kCapacity;
  size_t offset = 0;
  unsigned filled = 0;
  at = 0;
  for (; filled < described; filled++) {
    size_t n = static_cast<size_t>(meta[at]);
    uint32_t nfds = static_cast<uint32_t>(meta[at + 1]);
    long len = ascii ? static_cast<long>(n)
                     : Utf8Bytes(reinterpret_cast<const unsigned char*>(data) + offset, written - offset, n);
    // past what was copied: cut, so longer than any message may be, or meta is wrong
    int err = len < 0 ? (written + 4 >= kCapacity ? EMSGSIZE : EINVAL) : static_cast<size_t>(len) > kMaxMessage ? EMSGSIZE : 0;
    if (err) {
      if (filled == 0) return Errno(env, err);
      break;
    }
    b.iov[filled] = {data + offset, static_cast<size_t>(len)};
    offset += len;
    SetMessage(b, filled, meta + at + 2, nfds);
    at += 2 + nfds;
  }
  napi_value r;
  napi_create_int32(e, SendFilled(fd, b, filled), &r);
  return Napi::Value(env, r);
}

}  // namespace

void InitSocketSend(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"sendMessage", SendMessage},
      {"sendMessages", SendMessages},
  });
}
