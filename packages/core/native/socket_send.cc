// Sending on the AF_UNIX SOCK_SEQPACKET sockets of socket_ops.cc: text and
// fds (SCM_RIGHTS) per message, one sendmsg or one sendmmsg for a batch.
//
// sendMessage(fd, text, fds, tail?) -> bytes sent | -errno (MSG_NOSIGNAL | MSG_DONTWAIT)
//   fds: an array, or one fd as a number; with tail the message is text
//   followed by tail, joined as they are; at most 64 KiB in all (else -EMSGSIZE)
// sendMessages(fd, list, from, count) -> messages sent | -errno
//   list: flat triples [text, tail, fds, ...] as for sendMessage (tail
//   undefined for none); sends `count` of them (at most 64) from index
//   `from` in one sendmmsg; fewer when the socket fills up; -errno only
//   when the first cannot go.
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

}  // namespace

void InitSocketSend(Napi::Env env, Napi::Object exports) {
  dmabuf::Export(env, exports, {
      {"sendMessage", SendMessage},
      {"sendMessages", SendMessages},
  });
}
