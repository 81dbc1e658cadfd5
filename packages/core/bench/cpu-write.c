// Baseline for the CPU-write benchmark: memcpy of a frame into ordinary
// memory. usage: cpu-write <bytes> <frames> [memfd|fd|malloc [<src offset>]]
// -> MB/s of CPU time (CLOCK_PROCESS_CPUTIME_ID: on a loaded machine, time
// spent waiting for a core is not counted)
//   default (or malloc): between two malloc'ed buffers (what an
//   application's own memory gets: transparent huge pages where the kernel
//   gives them);
//   memfd: into a shared mapping of a memfd kept mapped and already faulted
//   in (the test exporter's memory, 4 KiB pages), for reference;
//   fd: into a shared mapping of fd 3, the caller's buffer itself (the same
//   pages ours writes), for reference.
// The source, and the malloc'ed destination, start on a page boundary, as a
// mapping does: glibc's memmove then copies with aligned loads and stores.
// <src offset> moves the source that many bytes into its page (16: where
// glibc's malloc and calloc put a block of this size, a plain
// `new Uint8Array(size)` in node included): against a page-aligned
// destination, every 64-byte load then straddles two cache lines.
// The timed loop is frame-copy.h's (shared with exporter-udmabuf's baseline).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "frame-copy.h"

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  size_t size = (size_t)atol(argv[1]);
  long frames = atol(argv[2]);
  size_t offset = argc > 4 ? (size_t)atol(argv[4]) : 0;
  void* block = NULL;
  if (offset >= 4096 || posix_memalign(&block, 4096, size + offset) != 0) return 1;
  unsigned char* src = (unsigned char*)block + offset;
  unsigned char* dst = NULL;
  if (argc > 3 && strcmp(argv[3], "memfd") == 0) {
    int fd = memfd_create("cpu-write", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) return 1;
    dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (dst == MAP_FAILED) return 1;
  } else if (argc > 3 && strcmp(argv[3], "fd") == 0) {
    dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0);
    if (dst == MAP_FAILED) return 1;
  } else if (posix_memalign(&block, 4096, size) == 0) {
    dst = block;
  }
  if (!dst) return 1;
  printf("%.1f\n", frame_copy_mbs(src, dst, size, frames, CLOCK_PROCESS_CPUTIME_ID));
  return 0;
}
