import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from './log.js';
import { qemuArgs } from './qemu-args.js';

/**
 * Choose the accelerator: DMABUF_LAB_ACCEL=kvm|tcg wins; else KVM only when
 * /dev/kvm is usable AND a quick probe boot of the lab kernel reaches /init
 * (on some hosts KVM exists but dies with "emulation failure"). The probe's
 * answer is cached per host kernel + lab kernel.
 * @param {import('./provision.js').LabStamp} stamp
 * @returns {Promise<{ accel: 'kvm'|'tcg', why: string }>}
 */
export async function chooseAccel(stamp, env = process.env) {
  const forced = env.DMABUF_LAB_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, why: 'DMABUF_LAB_ACCEL' };
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', why: 'no usable /dev/kvm' };
  }
  const cacheFile = join(stamp.cache, 'accel.json');
  const key = `${release()} ${stamp.kernelVersion}`;
  try {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8'));
    if (c.key === key) return { accel: c.accel, why: `${c.why} (cached)` };
  } catch {}
  progress('probing KVM with a short boot');
  const ok = await probeBoot(stamp, 'kvm', 15_000);
  /** @type {{ accel: 'kvm'|'tcg', why: string }} */
  const answer = ok
    ? { accel: 'kvm', why: 'KVM probe boot worked' }
    : { accel: 'tcg', why: 'KVM probe boot failed' };
  try {
    writeFileSync(cacheFile, JSON.stringify({ key, ...answer }));
  } catch {}
  return answer;
}

/**
 * Boot to the initramfs' probe mode and see whether it says PROBE-OK.
 * @param {import('./provision.js').LabStamp} stamp @param {'kvm'|'tcg'} accel @param {number} timeoutMs
 * @returns {Promise<boolean>}
 */
export function probeBoot(stamp, accel, timeoutMs) {
  const runDir = mkdtempSync(join(tmpdir(), 'dmabuf-lab-probe-'));
  const args = qemuArgs({
    vmlinuz: stamp.vmlinuz,
    initramfs: stamp.initramfs,
    runDir,
    outDir: runDir,
    accel,
    mode: 'probe',
    memoryMB: 512,
    smp: 1,
  });
  return new Promise((resolve) => {
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    // A broken KVM (e.g. under PVM) pauses the guest after saying so: no need to wait for the timeout.
    /** @param {Buffer} d */
    const watchFor = (d) => {
      if (/KVM internal error|emulation failure|failed to set MSR|Could not access KVM/.test(String(d)))
        child.kill('SIGKILL');
    };
    child.stdout.on('data', watchFor);
    child.stderr.on('data', watchFor);
    const done = () => {
      clearTimeout(timer);
      let text = '';
      try {
        text = readFileSync(join(runDir, 'console.log'), 'utf8');
      } catch {}
      rmSync(runDir, { recursive: true, force: true });
      resolve(text.includes('PROBE-OK'));
    };
    child.on('error', done);
    child.on('exit', done);
  });
}
