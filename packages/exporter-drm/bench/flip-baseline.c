// The flip benchmark's C baseline: the loop @dmabuf/exporter-drm runs, in C.
// Two dumb buffers of the connector's mode N, SETCRTC, then legacy
// PAGE_FLIP with an event, poll(), read() — one flip in flight at a time;
// WARMUP flips (default 30), then FLIPS measured (getrusage: the process).
// usage: flip-baseline DEVICE CRTC_ID CONNECTOR_ID MODE_INDEX FLIPS [WARMUP]
// prints: C: <flips/s> flips/s, <µs> us CPU/flip
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static int fail(const char *what) {
  perror(what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s DEVICE CRTC_ID CONNECTOR_ID MODE_INDEX FLIPS [WARMUP]\n", argv[0]);
    return 2;
  }
  int fd = open(argv[1], O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail("open");
  uint32_t crtc = (uint32_t)atoi(argv[2]), conn = (uint32_t)atoi(argv[3]);
  int index = atoi(argv[4]), flips = atoi(argv[5]), warmup = argc > 6 ? atoi(argv[6]) : 30;
  struct drm_mode_modeinfo modes[128];
  struct drm_mode_get_connector gc = {.connector_id = conn};
  if (ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &gc)) return fail("getconnector");
  if (gc.count_modes > 128) gc.count_modes = 128;
  gc.modes_ptr = (uintptr_t)modes;
  gc.count_props = 0;
  gc.count_encoders = 0;
  if (ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &gc)) return fail("getconnector");
  if (index < 0 || (uint32_t)index >= gc.count_modes) return fail("mode index");
  struct drm_mode_modeinfo mode = modes[index];
  uint32_t fb[2];
  for (int i = 0; i < 2; i++) {
    struct drm_mode_create_dumb c = {.width = mode.hdisplay, .height = mode.vdisplay, .bpp = 32};
    if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c)) return fail("create dumb");
    struct drm_mode_fb_cmd2 f = {.width = mode.hdisplay, .height = mode.vdisplay, .pixel_format = DRM_FORMAT_XRGB8888};
    f.handles[0] = c.handle;
    f.pitches[0] = c.pitch;
    if (ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &f)) return fail("addfb2");
    fb[i] = f.fb_id;
  }
  struct drm_mode_crtc sc = {.crtc_id = crtc, .fb_id = fb[0], .set_connectors_ptr = (uintptr_t)&conn, .count_connectors = 1, .mode = mode, .mode_valid = 1};
  if (ioctl(fd, DRM_IOCTL_MODE_SETCRTC, &sc)) return fail("setcrtc");
  double t0 = 0, c0 = 0;
  char events[1024];
  for (int i = 0; i < flips + warmup; i++) {
    if (i == warmup) {
      t0 = wall();
      c0 = cpu();
    }
    struct drm_mode_crtc_page_flip pf = {.crtc_id = crtc, .fb_id = fb[(i + 1) % 2], .flags = DRM_MODE_PAGE_FLIP_EVENT};
    if (ioctl(fd, DRM_IOCTL_MODE_PAGE_FLIP, &pf)) return fail("page flip");
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, -1) < 0) return fail("poll");
    if (read(fd, events, sizeof(events)) < 0) return fail("read");
  }
  double t = wall() - t0, c = cpu() - c0;
  printf("C: %.2f flips/s, %.1f us CPU/flip\n", flips / t, c * 1e6 / flips);
  return 0;
}
