import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Issue 15, faults: fd exhaustion. A child with `ulimit -n 64` runs out of fds, then exports, asks
// for buf.fd() and receives a buffer over a channel: each a typed EMFILE, nothing half-made (no
// pending buffer left in the framework, the received message's fds closed); after the fds are
// freed the same calls work.
const CHILD = fileURLToPath(new URL('./fixtures/emfile-child.mjs', import.meta.url));

describe('fd exhaustion (ulimit -n 64)', () => {
  it('export, fd() and channel receive refuse with EMFILE, leave nothing behind, and work once fds are free', () => {
    const r = spawnSync('sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" "${CHILD}"`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('EMFILE-RESULT '));
    expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
    const out = JSON.parse((line as string).slice('EMFILE-RESULT '.length));
    for (const step of ['export', 'fd', 'receive']) {
      expect(out.steps[step], step).toMatchObject({ ok: false, code: 'EMFILE' });
      expect(out.steps[step].hint, step).toMatch(/ulimit -n/);
    }
    expect(out.steps.export.name).not.toBe('TypeError');
    expect(out.buffersAfterRefusal).toBe(out.buffersBefore);
    for (const step of ['exportAfter', 'fdAfter', 'receiveAfter'])
      expect(out.steps[step], step).toMatchObject({ ok: true });
    expect(out.fdsAtEnd).toBe(out.fdsAtStart);
    expect(r.status).toBe(0);
  }, 90_000);
});
