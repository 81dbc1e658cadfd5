// The timed loop of the frame-copy baselines (core's bench/cpu-write.c,
// exporter-udmabuf's bench/c/memcpy.c): what a program that writes frames
// into memory costs in C, against which the CPU-access scopes are measured.
// Header-only; each baseline chooses its destination memory and its clock.
#pragma once
#include <stddef.h>
#include <string.h>
#include <time.h>

static double frame_copy_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// Fill src with a pattern, fault dst in (before the clock starts), then copy
// src into dst `frames` times, one byte of src changed per frame (no copy
// can be skipped). MB/s by `clock`.
static double frame_copy_mbs(unsigned char* src, unsigned char* dst, size_t size, long frames, clockid_t clock) {
  for (size_t i = 0; i < size; i++) src[i] = (unsigned char)(i * 31);
  memset(dst, 0, size);
  memcpy(dst, src, size);
  double t0 = frame_copy_ns(clock);
  for (long i = 0; i < frames; i++) {
    src[(size_t)i % size] = (unsigned char)i;
    memcpy(dst, src, size);
  }
  double t1 = frame_copy_ns(clock);
  volatile unsigned char sink = dst[(size_t)frames % size];
  (void)sink;
  return (double)size * frames / ((t1 - t0) / 1e9) / 1e6;
}
