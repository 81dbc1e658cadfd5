// Baseline for the export cycle: the syscalls @dmabuf/exporter-udmabuf makes
// for export -> attach -> map -> unmap -> detach -> release of a udmabuf of its
// own (attach/map have no syscall: there is no device behind them in userspace).
//   memfd_create, ftruncate, F_ADD_SEALS, UDMABUF_CREATE, close(memfd),
//   fstat(dmabuf) (the buffer's identity), close(dmabuf)
// usage: cycle <bytes> <iterations>  -> prints ns per cycle
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  long size = atol(argv[1]);
  long iters = atol(argv[2]);
  int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
  if (dev < 0) { perror("open /dev/udmabuf"); return 1; }
  double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    int memfd = memfd_create("dmabuf-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (memfd < 0 || ftruncate(memfd, size) < 0 || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) { perror("memfd"); return 1; }
    struct udmabuf_create c = { .memfd = (unsigned)memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .offset = 0, .size = (unsigned long long)size };
    int buf = ioctl(dev, UDMABUF_CREATE, &c);
    if (buf < 0) { perror("UDMABUF_CREATE"); return 1; }
    close(memfd);
    struct stat st;
    if (fstat(buf, &st) < 0) { perror("fstat"); return 1; }
    close(buf);
  }
  double t1 = now_ns();
  printf("%.1f\n", (t1 - t0) / iters);
  close(dev);
  return 0;
}
