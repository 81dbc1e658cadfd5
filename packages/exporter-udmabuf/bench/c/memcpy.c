// Baseline for the frame write: a plain memcpy of <bytes> between two
// ordinary, pre-faulted buffers. usage: memcpy <bytes> <iterations> -> MB/s
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
