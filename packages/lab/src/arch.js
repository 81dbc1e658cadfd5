import { LabError } from './errors.js';
import { extraModuleNames } from './extra-modules.js';

/**
 * @typedef {object} LabArch what differs between the x86-64 lab and the aarch64 one
 * @property {'x64'|'arm64'} name node's name for it (process.arch)
 * @property {string} debArch Debian's name (the kernel package's suffix, `:arm64` for apt)
 * @property {string} uname what `uname -m` says in the guest
 * @property {string} qemu the system emulator
 * @property {string} qemuPackage the Debian package that has it
 * @property {string[]} machine QEMU machine arguments
 * @property {string} cpu QEMU's -cpu under TCG
 * @property {string} console the kernel's serial console
 * @property {boolean} vga whether `-vga none` applies (the PC has a default VGA head)
 * @property {boolean} kvm whether KVM is worth probing (same arch as the host)
 * @property {Record<string, string>} unavailable lab drivers this arch's lab does not have, and why
 */

const notBuiltHere = 'built from the kernel source for the x86-64 lab only (no arm64 build of it yet)';

/** @type {Record<'x64'|'arm64', LabArch>} */
export const labArches = {
  x64: {
    name: 'x64',
    debArch: 'amd64',
    uname: 'x86_64',
    qemu: 'qemu-system-x86_64',
    qemuPackage: 'qemu-system-x86',
    machine: [],
    cpu: 'max',
    console: 'ttyS0',
    vga: true,
    kvm: true,
    unavailable: {},
  },
  arm64: {
    name: 'arm64',
    debArch: 'arm64',
    uname: 'aarch64',
    qemu: 'qemu-system-aarch64',
    qemuPackage: 'qemu-system-arm',
    machine: ['-M', 'virt'],
    // The Raspberry Pi 4's core (Armv8.0: no pointer authentication, so no signing cost under
    // TCG). With `max,pauth-impdef=on` node's V8 crashed twice in long vitest runs (a segfault,
    // then a fatal trap in plain JS); 19 min of core's unit tests on cortex-a72 did not.
    // DMABUF_LAB_CPU overrides it (e.g. `max,pauth-impdef=on`, `cortex-a76`).
    cpu: process.env.DMABUF_LAB_CPU || 'cortex-a72',
    console: 'ttyAMA0',
    vga: false,
    kvm: false,
    unavailable: {
      dma_heap:
        "Debian's arm64 kernel is built without CONFIG_DMABUF_HEAPS (no /dev/dma_heap in the arm64 lab)",
      ...Object.fromEntries(extraModuleNames.map((n) => [n, notBuiltHere])),
    },
  },
};

const aliases = { x64: 'x64', x86_64: 'x64', amd64: 'x64', arm64: 'arm64', aarch64: 'arm64' };

/**
 * The lab's arch when none is asked for: the host's own (an arm64 board tests in the aarch64
 * lab, where its prebuilds are the host's), x64 anywhere else.
 * @param {string} [hostArch] node's process.arch @returns {'x64'|'arm64'}
 */
export function hostLabArch(hostArch = process.arch) {
  return hostArch === 'arm64' ? 'arm64' : 'x64';
}

/**
 * The lab arch for a name (x64, x86_64, amd64, arm64, aarch64); default: DMABUF_LAB_ARCH, else
 * the host's ({@link hostLabArch}).
 * @param {string} [name] @returns {LabArch}
 */
export function labArch(name = process.env.DMABUF_LAB_ARCH || hostLabArch()) {
  const key = /** @type {'x64'|'arm64'|undefined} */ (aliases[/** @type {keyof typeof aliases} */ (name)]);
  if (!key)
    throw new LabError(`dmabuf-lab: unknown --arch ${name} (x64 or arm64)`, { code: 'EUSAGE', exitCode: 2 });
  return labArches[key];
}
