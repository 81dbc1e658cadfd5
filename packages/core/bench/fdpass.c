// Baseline for the fd-passing benchmark: two processes on an AF_UNIX
// SOCK_SEQPACKET socketpair; the sender passes a memfd (SCM_RIGHTS) with a
// short text header, the receiver recvmsg()s it (MSG_CMSG_CLOEXEC) and closes
// the fd. Blocking sockets, no event loop: the floor for the same work.
//
//   fdpass stream <count> <size> [place]  sender sends back to back; prints fds/s
//   fdpass rtt <count> <size> [place]     sender waits for a reply each time; prints round trips/s
//   fdpass rtt-loop <count> <size> [place]
//       the same round trips written as an event loop, as a Node library must
//       run: non-blocking sockets, each side blocks in epoll_wait (level-
//       triggered) and then reads one message with recvmsg, as libuv wakes a
//       watcher and the watcher reads; replies with sendmsg. 7 syscalls a trip
//       (2 epoll_wait, 2 recvmsg, 2 sendmsg, 1 close) against the blocking 5.
// place: any (default: the scheduler decides), same (both processes pinned to
// CPU 0), split (receiver on CPU 0, sender on CPU 1).
// Each prints "<rate> <cpu> <switches>": cpu = µs of CPU (user+sys, both
// processes) per message; switches = context switches (voluntary and
// involuntary, both processes) per message.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// About the length of the channel's header for a 64 KiB buffer with meta {"i":n}.
static const char header[] =
    "B{\"l\":{\"size\":65536,\"planes\":[{\"offset\":0,\"pitch\":0,\"size\":65536}]},\"e\":\"memfd-test\",\"x\":\"memfd-test\",\"m\":{\"i\":1}}";

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void send_fd(int sock, int fd) {
  struct iovec iov = {(void*)header, sizeof(header) - 1};
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof(control));
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
    perror("sendmsg");
    exit(1);
  }
}

/** Pins the calling process to one CPU (place "same": 0 for both; "split": 0 receiver, 1 sender). */
static void place(const char* how, int sender) {
  if (strcmp(how, "any") == 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(strcmp(how, "split") == 0 && sender ? 1 : 0, &set);
  if (sched_setaffinity(0, sizeof(set), &set) < 0) {
    perror("sched_setaffinity");
    exit(1);
  }
}

static int loop_mode;
static int epfd = -1;

/** Event-loop mode: waits until sock is readable (level-triggered epoll, no timeout). */
static void wait_readable(int sock) {
  if (!loop_mode) return;
  if (epfd < 0) {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN};
    ev.data.fd = sock;
    if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, sock, &ev) < 0) {
      perror("epoll");
      exit(1);
    }
  }
  struct epoll_event out[8];
  for (;;) {
    int n = epoll_wait(epfd, out, 8, -1);
    if (n > 0) return;
    if (n < 0 && errno != EINTR) {
      perror("epoll_wait");
      exit(1);
    }
  }
}

static void recv_fd(int sock) {
  static char data[65536];
  char control[CMSG_SPACE(sizeof(int) * 16)];
  struct iovec iov = {data, sizeof(data)};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  wait_readable(sock);
  if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0) {
    perror("recvmsg");
    exit(1);
  }
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof(int));
      close(fd);
    }
  }
}

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: fdpass stream|rtt|rtt-loop <count> <size> [any|same|split]\n");
    return 2;
  }
  loop_mode = strcmp(argv[1], "rtt-loop") == 0;
  int rtt = loop_mode || strcmp(argv[1], "rtt") == 0;
  const char* how = argc == 5 ? argv[4] : "any";
  long count = atol(argv[2]);
  long size = atol(argv[3]);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | (loop_mode ? SOCK_NONBLOCK : 0), 0, sv) < 0) {
    perror("socketpair");
    return 1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    place(how, 1);
    int fd = memfd_create("dmabuf-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, size) < 0) {
      perror("memfd");
      exit(1);
    }
    char ack[16];
    for (long i = 0; i < count; i++) {
      send_fd(sv[1], fd);
      if (!rtt) continue;
      wait_readable(sv[1]);
      if (recv(sv[1], ack, sizeof(ack), 0) <= 0) exit(1);
    }
    exit(0);
  }
  place(how, 0);
  close(sv[1]);
  double t0 = 0;
  for (long i = 0; i < count; i++) {
    recv_fd(sv[0]);
    if (i == 0) t0 = now();
    if (rtt && send(sv[0], "M{\"ok\":1}", 9, MSG_NOSIGNAL) < 0) return 1;
  }
  double t1 = now();
  int status;
  waitpid(pid, &status, 0);
  struct rusage self, child;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &child);
  double cpu = self.ru_utime.tv_sec + self.ru_stime.tv_sec + child.ru_utime.tv_sec + child.ru_stime.tv_sec +
               (self.ru_utime.tv_usec + self.ru_stime.tv_usec + child.ru_utime.tv_usec + child.ru_stime.tv_usec) / 1e6;
  // the clock starts at the first message: count - 1 intervals
  double switches = self.ru_nvcsw + self.ru_nivcsw + child.ru_nvcsw + child.ru_nivcsw;
  printf("%.1f %.3f %.3f\n", (count - 1) / (t1 - t0), cpu * 1e6 / count, switches / count);
  return 0;
}
