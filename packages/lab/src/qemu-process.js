import { spawn } from 'node:child_process';

/** Every QEMU this process started and has not seen exit. */
const live = new Set();
let hooked = false;

function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
}

/** Kill QEMU on exit, on SIGINT/SIGTERM and on an uncaught exception. */
function hookProcess() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  process.on('uncaughtExceptionMonitor', killAll);
  /** @type {Array<[NodeJS.Signals, number]>} */
  const signals = [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ];
  for (const [sig, code] of signals) {
    process.on(sig, () => {
      killAll();
      process.exit(code);
    });
  }
}

/**
 * Start QEMU under `setpriv --pdeathsig KILL`, so it dies with us even when
 * this process is killed with SIGKILL.
 * @param {string[]} args
 * @param {string} [qemu] the system emulator (qemu-system-aarch64 for the aarch64 lab)
 */
export function startQemu(args, qemu = 'qemu-system-x86_64') {
  hookProcess();
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', qemu, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  /** @param {Buffer} d */
  const keep = (d) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  /** @type {Promise<{ code: number | null, signal: string | null, output: string }>} */
  const exited = new Promise((resolve) => {
    child.on('error', (e) => {
      live.delete(child);
      resolve({ code: null, signal: null, output: `${output}\n${e.message}` });
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, output });
    });
  });
  return { child, exited, kill: () => child.kill('SIGKILL') };
}
