export interface PrebuildTarget {
  /** node's process.arch */
  arch: 'x64' | 'arm64' | 'arm';
  /** the GNU triplet of Debian's cross compiler (`<triplet>-g++`) */
  triplet: string;
  /** the Debian package with that cross compiler */
  debPackage: string;
  /** the qemu-user binary that runs this arch (qemu-user-static) */
  qemu: string;
  /** the sysroot that comes with the cross compiler (qemu's -L) */
  sysroot: string;
  /** a node for this arch on the npm registry */
  node: { pkg: string; version: string };
}
export const prebuildTargets: PrebuildTarget[];
export function crossTargets(hostArch: string): PrebuildTarget[];
