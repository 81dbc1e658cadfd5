// A vitest pool whose test workers are a node for another arch (arm64,
// armv7) run by qemu-user: vitest itself (and its transforms) stays on the
// host, the test files and the native bindings they load run under the
// foreign arch. The worker is vitest's own forks worker, started as
//   qemu-<arch>-static -L <sysroot> <node for that arch> <worker>
// with PREBUILDS_ONLY=1, so node-gyp-build loads prebuilds/linux-<arch>
// (never the host's build/Release).
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ForksPoolWorker } from 'vitest/node';
import { cachedForeignNode } from './foreign-node.js';
import { prebuildTargets } from './targets.js';

/** What running tests for `arch` under qemu-user needs and is missing (empty when ready). */
export function qemuMissing(arch, env = process.env) {
  const t = prebuildTargets.find((x) => x.arch === arch);
  if (!t) return [`no prebuild target named ${arch}`];
  const missing = [];
  const onPath = (cmd) => (env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
  if (!onPath(t.qemu)) missing.push(`${t.qemu} (apt-get install qemu-user-static)`);
  if (!existsSync(join(t.sysroot, 'lib'))) missing.push(`${t.sysroot} (apt-get install ${t.debPackage})`);
  if (!cachedForeignNode(t, env))
    missing.push(`a node for linux-${arch} (node packages/build-native/bin/dmabuf-foreign-node.js ${arch})`);
  return missing;
}

/**
 * @param {'arm64' | 'arm' | 'x64'} arch
 * @returns {import('vitest/node').PoolRunnerInitializer}
 */
export function qemuPool(arch) {
  const t = prebuildTargets.find((x) => x.arch === arch);
  if (!t) throw new Error(`qemuPool: no prebuild target named ${arch}`);
  return {
    name: `qemu-${arch}`,
    createPoolWorker(options) {
      return new QemuForksWorker(options, t);
    },
  };
}

class QemuForksWorker extends ForksPoolWorker {
  constructor(options, target) {
    super(options);
    this.target = target;
    this.name = `qemu-${target.arch}`;
  }

  async start() {
    const missing = qemuMissing(this.target.arch);
    if (missing.length) throw new Error(`qemu-${this.target.arch} pool: missing ${missing.join('; ')}`);
    this._fork ||= fork(this.entrypoint, [], {
      execPath: this.target.qemu,
      execArgv: ['-L', this.target.sysroot, cachedForeignNode(this.target), ...(this.execArgv ?? [])],
      env: { ...this.env, PREBUILDS_ONLY: '1' },
      stdio: 'pipe',
      serialization: 'advanced',
    });
    return super.start();
  }
}
