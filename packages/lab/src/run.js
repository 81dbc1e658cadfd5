import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chooseAccel } from './accel.js';
import { labArch } from './arch.js';
import { assertInteger, invalidArgument } from './check.js';
import { moduleOptions } from './drivers.js';
import { LabError } from './errors.js';
import { commandScript, defaultDrivers, guestEnv, normalizeDriver, paramsScript } from './guest-files.js';
import { progress } from './log.js';
import { readModulesManifest } from './module-build.js';
import { portServer } from './ports.js';
import { qemuArgs } from './qemu-args.js';
import { startQemu } from './qemu-process.js';
import { archSetup } from './run-arch.js';
import { screendumpVia } from './screendump.js';
import { watchScreendumpRequests } from './screendump-service.js';

/**
 * @typedef {object} RunOptions
 * @property {string[]} command argv to run in the guest (required)
 * @property {string} [cwd] guest working directory (same path as on the host); default process.cwd()
 * @property {Record<string,string>} [env] extra environment for the command
 * @property {string[]} [drivers] modules to load; default vgem, vivid, virtio_gpu; also the ones
 *   provisioning builds (v4l2_mem2mem, vim2m, vicodec, vimc, vkms): one that did not build is left
 *   out (said on stderr) and the guest learns why through DMABUF_LAB_UNAVAILABLE
 * @property {number} [timeoutSec] hard limit for the whole boot + command (default 1200)
 * @property {string} [outDir] host folder shared as DMABUF_LAB_OUT (default: a temp folder)
 * @property {boolean} [keep] keep the run folder even on success
 * @property {NodeJS.WritableStream} [stdout]
 * @property {NodeJS.WritableStream} [stderr]
 * @property {NodeJS.ReadableStream} [stdin] forwarded to the command (default: /dev/null)
 * @property {boolean} [shell] interactive: one tty for stdin/stdout/stderr (stdin raw)
 * @property {string} [vividOpts] vivid's module options (same as moduleOpts.vivid)
 * @property {Record<string, string>} [moduleOpts] module options by driver (default: DMABUF_LAB_<NAME>_OPTS
 *   for vivid and vkms, and vkms gets enable_overlay=1 enable_writeback=1)
 * @property {number} [hugepages] 2 MiB pages to reserve (default 32)
 * @property {number} [memoryMB]
 * @property {number} [smp]
 * @property {string} [arch] the guest's arch: x64 or arm64 (the aarch64
 *   lab: software CPU, an arm64 userland over the host's root, prebuilds only); default
 *   DMABUF_LAB_ARCH, else the host's (arm64 on an arm64 host, x64 anywhere else)
 */

/**
 * @typedef {object} RunResult
 * @property {number} exitCode the command's exit code
 * @property {string} runDir the host folder with console.log (removed on success unless keep)
 * @property {string} outDir the host side of DMABUF_LAB_OUT
 * @property {'kvm'|'tcg'} accel
 * @property {'x64'|'arm64'} arch
 * @property {number} bootMs time from QEMU start to the command's start (from the init's READY mark)
 * @property {number} totalMs
 */

/** Last lines of a console log, for error messages. @param {string} path */
export function consoleTail(path, n = 30) {
  if (typeof path !== 'string' || !path) throw invalidArgument('path', 'a file path', path);
  assertInteger('n', n, 1, 1 << 20);
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no console output)';
  }
}

/**
 * @typedef {object} LabHandle
 * @property {Promise<RunResult>} result settles when the guest has powered off
 * @property {(pngPath: string) => Promise<import('./ppm.js').RgbImage & { path: string, ppmPath: string }>} screendump
 *   what the virtual display shows, now (rejects before QEMU runs)
 * @property {() => void} kill power the guest off hard
 */

/**
 * Boot the lab, run one command inside, return its exit code.
 * @param {RunOptions} opts
 * @returns {Promise<RunResult>}
 */
export function runInLab(opts) {
  return startLab(opts).result;
}

/**
 * Boot the lab and run one command; the handle can take screendumps meanwhile.
 * @param {RunOptions} opts
 * @returns {LabHandle}
 */
export function startLab(opts) {
  /** @type {LabHandle} */
  const handle = {
    result: Promise.resolve(/** @type {any} */ (null)),
    screendump: async () => {
      throw new LabError('screendump: the lab is not running yet');
    },
    kill: () => {},
  };
  handle.result = boot(opts, handle, BOOT_RETRIES);
  return handle;
}

/**
 * Boots that may follow one whose kernel panicked before the command started. Under TCG the
 * guest kernel now and then dies at boot with an int3 oops while it patches its own code
 * (seen once in sched_clock_cpu, 2 s after start; 0 in 189 boots measured since: README,
 * Known limits, says why and what would fix it); the command had not run, so booting again
 * is safe (not for a shell or a caller's stdin: QEMU may have taken some of it).
 */
const BOOT_RETRIES = 1;

/**
 * Whether a guest console log shows a kernel panic before the lab's init said READY: the
 * command never started (nothing of it ran, its stdin was not read).
 * @param {string} log
 */
export function panickedBeforeCommand(log) {
  if (typeof log !== 'string') throw invalidArgument('log', 'a console log (string)', log);
  return /Kernel panic/.test(log) && !READY.test(log);
}

/** The lab init's mark that the guest is up and the command starts. */
const READY = /dmabuf-lab-init: .*READY/;

/** @param {RunOptions} opts @param {LabHandle} handle @param {number} retries */
async function boot(opts, handle, retries) {
  if (!opts?.command?.length) throw new LabError('runInLab: command is required (an argv array)');
  const t0 = Date.now();
  const env = process.env;
  const arch = labArch(opts.arch);
  const setup = await archSetup(arch);
  const stamp = setup.stamp;
  const { accel, why } = arch.kvm
    ? await chooseAccel(stamp)
    : { accel: /** @type {'tcg'} */ ('tcg'), why: setup.accelWhy };
  const runDir = mkdtempSync(join(tmpdir(), 'dmabuf-lab-'));
  const outDir = resolve(opts.outDir ?? join(runDir, 'out'));
  mkdirSync(join(outDir, '.lab'), { recursive: true });
  rmSync(join(outDir, '.lab', 'exit'), { force: true });
  rmSync(join(outDir, '.lab', 'error'), { force: true });
  rmSync(join(outDir, '.lab', 'ready'), { force: true });
  const consoleLog = join(runDir, 'console.log');
  const requested = (opts.drivers ?? defaultDrivers).map(normalizeDriver);
  const unavailable = {
    ...((stamp.modules ?? readModulesManifest(stamp.modRoot, stamp.kernelVersion))?.failed ?? {}),
    ...arch.unavailable,
  };
  const drivers = requested.filter((d) => !unavailable[d]);
  for (const d of requested.filter((x) => unavailable[x]))
    progress(`${d} is not loaded: ${unavailable[d]} (tests that need it skip, saying so)`);
  const given = { ...(opts.vividOpts === undefined ? {} : { vivid: opts.vividOpts }), ...opts.moduleOpts };
  const mode = opts.shell ? 'shell' : 'run';

  writeFileSync(
    join(outDir, '.lab', 'params.sh'),
    paramsScript({
      drivers,
      moduleOpts: Object.fromEntries(drivers.map((d) => [d, moduleOptions(d, given, env)])),
      modRoot: stamp.modRoot,
      hugepages: opts.hugepages ?? Number(env.DMABUF_LAB_HUGEPAGES ?? 32),
      ninepCache: env.DMABUF_LAB_9P_CACHE ?? 'loose',
      archRoot: !!setup.archRoot,
      absent: Object.keys(arch.unavailable),
    }),
  );
  writeFileSync(
    join(outDir, '.lab', 'cmd.sh'),
    commandScript({
      argv: opts.command,
      cwd: resolve(opts.cwd ?? process.cwd()),
      env: guestEnv(env, {
        DMABUF_LAB_DRIVERS: drivers.join(' '),
        DMABUF_LAB_UNAVAILABLE: JSON.stringify(unavailable),
        DMABUF_LAB_ARCH: arch.name,
        // where the guest's modprobe finds the lab's modules (a test that unloads a driver loads it again)
        DMABUF_LAB_MODROOT: stamp.modRoot,
        ...setup.env,
        ...opts.env,
      }),
    }),
  );

  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const portNames = mode === 'shell' ? ['tty'] : ['stdout', 'stderr', 'stdin'];
  /** @type {Record<string, ReturnType<typeof portServer>>} */
  const ports = Object.fromEntries(portNames.map((n) => [n, portServer(join(runDir, `${n}.sock`))]));
  /** @param {string} name */
  const port = (name) => /** @type {ReturnType<typeof portServer>} */ (ports[name]);
  await Promise.all(Object.values(ports).map((p) => p.listening));

  const args = qemuArgs({
    vmlinuz: stamp.vmlinuz,
    initramfs: stamp.initramfs,
    runDir,
    outDir,
    accel,
    mode,
    memoryMB: opts.memoryMB,
    smp: opts.smp,
    bios: arch.name === 'x64' ? biosFor(env) : undefined,
    arch,
    archRoot: setup.archRoot,
  });
  progress(`booting ${stamp.kernelVersion} (${accel}: ${why}), drivers: ${drivers.join(' ')}`);
  const qemu = startQemu(args, arch.qemu);
  handle.kill = qemu.kill;

  const wire = async () => {
    if (mode === 'shell') {
      const tty = await port('tty').connected;
      tty.pipe(/** @type {NodeJS.WritableStream} */ (stdout), { end: false });
      const input = opts.stdin ?? process.stdin;
      if (input === process.stdin && process.stdin.isTTY) process.stdin.setRawMode(true);
      input.pipe(tty);
      return;
    }
    const [so, se, si] = await Promise.all([
      port('stdout').connected,
      port('stderr').connected,
      port('stdin').connected,
    ]);
    so.pipe(/** @type {NodeJS.WritableStream} */ (stdout), { end: false });
    se.pipe(/** @type {NodeJS.WritableStream} */ (stderr), { end: false });
    if (opts.stdin) opts.stdin.pipe(si);
    else si.end();
  };
  wire().catch(() => {});

  const qmpSocket = join(runDir, 'qmp.sock');
  handle.screendump = serialize((/** @type {string} */ pngPath) =>
    screendumpVia(qmpSocket, resolve(pngPath)),
  );
  const screendumps = watchScreendumpRequests({ outDir, dump: handle.screendump });

  const timeoutSec = opts.timeoutSec ?? Number(env.DMABUF_LAB_TIMEOUT ?? 1200);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    qemu.kill();
  }, timeoutSec * 1000);
  const exit = await qemu.exited;
  clearTimeout(timer);
  screendumps.close();
  if (mode === 'shell' && process.stdin.isTTY) {
    process.stdin.setRawMode(false);
    process.stdin.unpipe();
    process.stdin.pause();
  }
  // QEMU has exited: its sockets close; give the pipes a moment to drain.
  const grace = sleep(2000);
  await Promise.race([Promise.all(Object.values(ports).map((p) => p.ended)), grace]);
  grace.cancel();
  for (const p of Object.values(ports)) p.close();

  const totalMs = Date.now() - t0;
  const log = readOr(consoleLog, '');
  const ready = READY.test(log);
  const labError = readOr(join(outDir, '.lab', 'error'), '').trim();
  const exitText = readOr(join(outDir, '.lab', 'exit'), '').trim();
  /** @param {string} message @param {string} code @param {number} exitCode @returns {never} */
  const fail = (message, code, exitCode) => {
    throw new LabError(
      `${message}\nconsole log: ${consoleLog}\n--- last lines ---\n${consoleTail(consoleLog)}`,
      {
        code,
        consoleLog,
        exitCode,
      },
    );
  };
  if (timedOut)
    fail(`dmabuf-lab: timed out after ${timeoutSec} s (DMABUF_LAB_TIMEOUT / --timeout)`, 'ETIMEDOUT', 124);
  if (labError)
    fail(`dmabuf-lab: ${labError}`, /did not (appear|load)/.test(labError) ? 'ENODEV' : 'EBOOT', 125);
  if (retries > 0 && mode !== 'shell' && !opts.stdin && panickedBeforeCommand(log)) {
    progress(
      `the guest kernel panicked before the command started (console log: ${consoleLog}); booting again`,
    );
    return await boot(opts, handle, retries - 1);
  }
  if (/Kernel panic/.test(log)) fail('dmabuf-lab: the guest kernel panicked', 'EPANIC', 125);
  if (!/^\d+$/.test(exitText)) {
    const q = exit.output.trim() ? `\nqemu said: ${exit.output.trim().split('\n').slice(-5).join('\n')}` : '';
    fail(
      `dmabuf-lab: the guest stopped before the command finished (qemu exit ${exit.code ?? exit.signal}${ready ? '' : ', never reached READY'})${q}`,
      'EBOOT',
      125,
    );
  }
  const exitCode = Number(exitText);
  const bootMs = Math.round(Number(readOr(join(outDir, '.lab', 'ready'), '0').trim()) * 1000) || 0;
  if (!opts.keep && !opts.outDir && exitCode === 0 && !env.DMABUF_LAB_KEEP)
    rmSync(runDir, { recursive: true, force: true });
  else if (exitCode !== 0) progress(`command exited with ${exitCode}; console log: ${consoleLog}`);
  return { exitCode, runDir, outDir, accel, arch: arch.name, totalMs, bootMs };
}

/**
 * qboot starts the kernel seconds sooner than SeaBIOS under TCG; DMABUF_LAB_BIOS=seabios keeps QEMU's default.
 * @param {NodeJS.ProcessEnv} env
 */
function biosFor(env) {
  const b = env.DMABUF_LAB_BIOS;
  if (b === 'seabios') return undefined;
  if (b) return b;
  return existsSync('/usr/share/qemu/qboot.rom') ? '/usr/share/qemu/qboot.rom' : undefined;
}

/** @param {string} path @param {string} fallback */
function readOr(path, fallback) {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8') : fallback;
  } catch {
    return fallback;
  }
}

/**
 * One call at a time (QMP takes one client).
 * @template {unknown[]} A @template R
 * @param {(...a: A) => Promise<R>} fn @returns {(...a: A) => Promise<R>}
 */
function serialize(fn) {
  /** @type {Promise<unknown>} */
  let chain = Promise.resolve();
  return (...a) => {
    const p = chain.then(() => fn(...a));
    chain = p.catch(() => {});
    return p;
  };
}

/** A cancellable sleep (a pending timer would keep the process alive). @param {number} ms */
function sleep(ms) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const p = new Promise((r) => {
    timer = setTimeout(r, ms);
  });
  return Object.assign(p, { cancel: () => clearTimeout(timer) });
}
