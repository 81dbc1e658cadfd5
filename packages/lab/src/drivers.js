import { shq } from './sh.js';

/**
 * @typedef {object} LabDriver what the lab knows about a driver it loads with modprobe
 * @property {string} [appears] a shell test that holds once its device is there
 * @property {string} [device] how the device is named when it does not appear
 * @property {string} [opts] default module options
 * @property {string} [optsEnv] the environment variable that overrides them
 * @property {string[]} [deps] kernel modules loaded in a wave before it (shared helpers)
 * @property {string[]} [after] built modules loaded in a wave before it
 * @property {boolean} [built] built by provisioning (extra-modules.js); loaded in the last wave, so
 *   the DRM cards and video nodes of the drivers Debian ships keep their numbers (vgem card0, virtio-gpu card1)
 */

/** @param {string} name */
const videoNamed = (name) => `grep -qs ${shq(name)} /sys/class/video4linux/video*/name`;

/** @type {Record<string, LabDriver>} */
export const labDrivers = {
  udmabuf: { appears: '[ -c /dev/udmabuf ]', device: '/dev/udmabuf(udmabuf)' },
  dma_heap: { appears: '[ -c /dev/dma_heap/system ]', device: '/dev/dma_heap/system(dma-heap system)' },
  vgem: { appears: '[ -d /sys/bus/platform/devices/vgem/drm ]', device: '/dev/dri/card*(vgem)' },
  virtio_gpu: {
    appears: 'ls -d /sys/bus/virtio/drivers/virtio_gpu/virtio*/../drm >/dev/null 2>&1',
    device: '/dev/dri/card*(virtio_gpu)',
  },
  vivid: { appears: videoNamed('vivid'), device: '/dev/video*(vivid)', optsEnv: 'DMABUF_LAB_VIVID_OPTS' },
  // Built by provisioning from the kernel's source (extra-modules.js).
  v4l2_mem2mem: { deps: ['videobuf2_v4l2'], built: true },
  vim2m: {
    built: true,
    appears: videoNamed('vim2m'),
    device: '/dev/video*(vim2m)',
    deps: ['videobuf2_vmalloc', 'videobuf2_v4l2'],
    after: ['v4l2_mem2mem'],
  },
  vicodec: {
    built: true,
    appears: `${videoNamed('stateful-encoder')} && ${videoNamed('stateful-decoder')}`,
    device: '/dev/video*(vicodec stateful-encoder/decoder)',
    deps: ['videobuf2_vmalloc', 'videobuf2_v4l2'],
    after: ['v4l2_mem2mem'],
  },
  vimc: {
    built: true,
    appears: `${videoNamed('Raw Capture 0')} && grep -qs 'VIMC MDEV' /sys/bus/media/devices/media*/model`,
    device: '/dev/media*(vimc)',
    deps: ['videobuf2_vmalloc', 'videobuf2_v4l2', 'v4l2_tpg'],
  },
  vkms: {
    built: true,
    appears: '[ -d /sys/bus/platform/devices/vkms/drm ]',
    device: '/dev/dri/card*(vkms)',
    opts: 'enable_overlay=1 enable_writeback=1',
    optsEnv: 'DMABUF_LAB_VKMS_OPTS',
    deps: ['drm_kms_helper', 'drm_shmem_helper'],
  },
};

/** Accept 'virtio-gpu' as well as 'virtio_gpu'; udmabuf/dma_heap are built in (checked, not loaded). @param {string} name */
export function normalizeDriver(name) {
  const n = name.trim().replaceAll('-', '_');
  if (n === 'dma_heap' || n === 'system_heap' || n === 'heap') return 'dma_heap';
  return n;
}

const builtIn = new Set(['udmabuf', 'dma_heap']);

/**
 * The modprobe waves for `drivers`: shared helpers first, then built modules others
 * build on (v4l2-mem2mem before vim2m/vicodec), then Debian's drivers, then the built
 * ones; each wave in parallel (vgem in a wave of its own first, so it is always card0).
 * @param {string[]} drivers normalized names
 * @returns {string[][]}
 */
export function loadWaves(drivers) {
  const load = drivers.filter((d) => !builtIn.has(d));
  const after = [...new Set(load.flatMap((d) => labDrivers[d]?.after ?? []))].filter(
    (d) => !load.includes(d),
  );
  const deps = [...new Set([...load, ...after].flatMap((d) => labDrivers[d]?.deps ?? []))].filter(
    (d) => !load.includes(d) && !after.includes(d),
  );
  const late = load.filter((d) => labDrivers[d]?.built);
  // vgem alone before the other DRM driver: loaded in parallel, vgem and virtio-gpu raced for
  // card0 (seen: virtio-gpu card0, vgem card1, and the DRM suites failed).
  const debian = load.filter((d) => !late.includes(d));
  const first = debian.filter((d) => d === 'vgem');
  const rest = debian.filter((d) => d !== 'vgem');
  return [deps, after, first, rest, late].filter((w) => w.length);
}

/**
 * Module options for one driver: RunOptions.moduleOpts, else its environment variable, else its default.
 * @param {string} driver @param {Record<string, string>} given @param {Record<string, string|undefined>} env
 */
export function moduleOptions(driver, given, env) {
  const d = labDrivers[driver];
  return given[driver] ?? (d?.optsEnv ? env[d.optsEnv] : undefined) ?? d?.opts ?? '';
}

/**
 * Shell functions for /init (sourced from params.sh): `lab_load` runs the modprobe waves
 * and lists failures in /tmp/modprobe-failed; `lab_missing` prints the devices not there yet.
 * @param {string[]} drivers normalized names
 * @param {(driver: string) => string} optsOf
 * @param {string[]} [absent] built-in drivers this lab's kernel does not have (not checked)
 */
export function driverFunctions(drivers, optsOf, absent = []) {
  const waves = loadWaves(drivers).map((wave) =>
    [
      ...wave.map(
        (d) =>
          `  ( chroot $R /sbin/modprobe -d "$MODROOT" ${[d, ...splitOpts(optsOf(d))].map(shq).join(' ')} 2>/tmp/modprobe-${d}.err || { cat /tmp/modprobe-${d}.err; echo ${d} >> /tmp/modprobe-failed; } ) &`,
      ),
      '  wait',
    ].join('\n'),
  );
  const checks = [...new Set([...drivers, ...builtIn])]
    .filter((d) => !absent.includes(d))
    .map((d) => {
      const spec = labDrivers[d];
      if (!spec?.appears) return `  [ -d /sys/module/${d} ] || missing="$missing module:${d}"`;
      return `  ${spec.appears} || missing="$missing ${spec.device ?? d}"`;
    });
  return [
    'lab_load() {',
    '  :',
    ...waves,
    '}',
    'lab_missing() {',
    '  missing=""',
    ...checks,
    '  echo "$missing"',
    '}',
    '',
  ].join('\n');
}

/** @param {string} s */
const splitOpts = (s) => s.split(/\s+/).filter(Boolean);
