// Baseline for the frame write: a plain memcpy of <bytes> between two
// ordinary, pre-faulted buffers. usage: memcpy <bytes> <iterations> [nothp] -> MB/s
// With nothp the destination is kept on 4 KiB pages (MADV_NOHUGEPAGE), like a
// udmabuf without hugetlb; by default it is whatever malloc gives (THP where
// the kernel's transparent_hugepage is 'always').
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  size_t size = (size_t)atol(argv[1]);
  long iters = atol(argv[2]);
  unsigned char* src = malloc(size);
  unsigned char* dst = malloc(size);
  if (!src || !dst) return 1;
  if (argc > 3 && strcmp(argv[3], "nothp") == 0) {
    size_t map = (size + 4095) & ~(size_t)4095;
    dst = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dst == MAP_FAILED || madvise(dst, map, MADV_NOHUGEPAGE) != 0) return 1;
  }
  for (size_t i = 0; i < size; i++) src[i] = (unsigned char)(i * 31);
  memset(dst, 0, size);
  memcpy(dst, src, size);
  double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    src[i % size] = (unsigned char)i;
    memcpy(dst, src, size);
  }
  double t1 = now_ns();
  volatile unsigned char sink = dst[(size_t)iters % size];
  (void)sink;
  printf("%.1f\n", (double)size * iters / ((t1 - t0) / 1e9) / 1e6);
  return 0;
}
