import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';

// Issue 15, faults: fd exhaustion during V4L2 EXPBUF (vivid's MMAP buffers exported as dma-bufs).
// A child with `ulimit -n 64` runs out of fds, exports: a typed EMFILE naming VIDIOC_EXPBUF, no
// buffer left in the framework; once the fds are freed every buffer exports; fds back to the start.
const CHILD = fileURLToPath(new URL('./fixtures/emfile-expbuf-child.mjs', import.meta.url));

labSuite('fd exhaustion during V4L2 EXPBUF', { needs: ['vivid'] }, () => {
  it('EXPBUF with no fd free is EMFILE, nothing half-made; it works once fds are free', () => {
    const r = spawnSync('sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" "${CHILD}"`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('EMFILE-RESULT '));
    expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
    const out = JSON.parse((line as string).slice('EMFILE-RESULT '.length));
    console.log(`EXPBUF under ulimit -n 64: ${JSON.stringify(out)}`);
    for (const step of ['expbuf', 'expbufAll'])
      expect(out.steps[step], step).toMatchObject({ ok: false, code: 'EMFILE', syscall: 'VIDIOC_EXPBUF' });
    expect(out.buffersAfterRefusal).toBe(out.buffersBefore);
    expect(out.steps.expbufAfter).toMatchObject({ ok: true });
    expect(out.exported).toBe(2);
    expect(out.fdsAtEnd).toBe(out.fdsAtStart);
    expect(r.status).toBe(0);
  }, 180_000);
});
