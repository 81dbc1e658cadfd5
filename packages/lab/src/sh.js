import { spawnSync } from 'node:child_process';

/** Quote one word for a POSIX shell. @param {unknown} word */
export function shq(word) {
  const s = String(word);
  if (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Run a program synchronously; throw with its stderr when it fails.
 * @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnSyncOptions} [opts]
 * @returns {string} its stdout
 */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw Object.assign(new Error(`${cmd}: ${r.error.message}`), { cause: r.error });
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}${tail ? `:\n${tail}` : ''}`);
  }
  return String(r.stdout ?? '');
}

/** Whether a program is on PATH. @param {string} cmd */
export function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${shq(cmd)}`], { stdio: 'ignore' }).status === 0;
}
