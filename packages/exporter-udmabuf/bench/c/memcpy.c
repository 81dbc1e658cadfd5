// Baseline for the frame write: a plain memcpy of <bytes> between two
// ordinary, pre-faulted buffers. usage: memcpy <bytes> <iterations> [nothp] -> MB/s
// With nothp the destination is kept on 4 KiB pages (MADV_NOHUGEPAGE), like a
// udmabuf without hugetlb; by default it is whatever malloc gives (THP where
// the kernel's transparent_hugepage is 'always'). The timed loop is core's
// bench/frame-copy.h (shared with core's cpu-write baseline); wall time here
// (the lab's guest runs nothing else).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "frame-copy.h"

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
  printf("%.1f\n", frame_copy_mbs(src, dst, size, iters, CLOCK_MONOTONIC));
  return 0;
}
