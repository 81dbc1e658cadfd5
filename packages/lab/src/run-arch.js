import { guestNodePath } from './arm64-root.js';
import { provision } from './provision.js';
import { provisionArm64 } from './provision-arm64.js';

/**
 * What one arch's lab needs before a boot: its provisioning (the x86 lab's as before; the
 * aarch64 lab's own, in `<cache>/arm64`), the root laid over the host's, and the guest
 * environment. In the aarch64 lab bindings load from `prebuilds/linux-arm64` only
 * (`PREBUILDS_ONLY=1` tells node-gyp-build to skip `build/Release`, which holds the host's
 * x86 build): what an npm user on an arm64 board gets.
 * @param {import('./arch.js').LabArch} arch
 * @returns {Promise<{ stamp: import('./provision.js').LabStamp, archRoot?: string, env: Record<string, string>,
 *   node: string, accelWhy: string }>}
 */
export async function archSetup(arch) {
  if (arch.name === 'arm64') {
    const stamp = await provisionArm64();
    return {
      stamp,
      archRoot: stamp.root,
      env: { PREBUILDS_ONLY: '1' },
      node: guestNodePath,
      accelWhy: `an aarch64 guest on ${process.arch}: software CPU`,
    };
  }
  return { stamp: await provision(), env: {}, node: process.execPath, accelWhy: '' };
}
