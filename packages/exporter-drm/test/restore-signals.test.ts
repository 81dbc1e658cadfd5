import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const restore = join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'kms', 'restore.js');

/** Run a script that registers a restore (prints "restored") and then raises a signal. */
function child(body: string) {
  return spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import { restoreOnExit } from ${JSON.stringify(restore)};\n${body}`],
    { encoding: 'utf8', timeout: 20_000 },
  );
}

describe('screen restore at process end', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'])(
    '%s with no handler of the application: restores, then the signal ends the process',
    (sig) => {
      const r = child(`restoreOnExit(() => process.stdout.write('restored\\n'));
      process.kill(process.pid, '${sig}');
      setTimeout(() => process.stdout.write('still alive\\n'), 2000);`);
      expect(r.stdout).toBe('restored\n');
      expect(r.signal).toBe(sig);
    },
  );

  it('the application handles the signal itself: nothing restored behind its back, it ends as it chooses', () => {
    const r = child(`restoreOnExit(() => process.stdout.write('restored\\n'));
      process.on('SIGINT', () => { process.stdout.write('app handler\\n'); process.exit(3); });
      process.kill(process.pid, 'SIGINT');
      setTimeout(() => {}, 2000);`);
    expect(r.stdout).toBe('app handler\nrestored\n'); // its process.exit() runs the exit hook
    expect(r.status).toBe(3);
  });

  it('nothing left to restore: the signal handlers are gone (default behaviour back)', () => {
    const r = child(`const off = restoreOnExit(() => process.stdout.write('restored\\n'));
      off();
      process.stdout.write(String(process.listenerCount('SIGINT')) + '\\n');
      process.kill(process.pid, 'SIGINT');
      setTimeout(() => {}, 2000);`);
    expect(r.stdout).toBe('0\n');
    expect(r.signal).toBe('SIGINT');
  });

  it('process.exit() restores (the exit hook)', () => {
    const r = child(`restoreOnExit(() => process.stdout.write('restored\\n')); process.exit(0);`);
    expect(r.stdout).toBe('restored\n');
    expect(r.status).toBe(0);
  });
});
