import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';

// Issue 15, faults: fd exhaustion during V4L2 EXPBUF (vivid's MMAP buffers exported as dma-bufs).
// A child with a low fd limit takes every fd, then exports: a typed EMFILE naming VIDIOC_EXPBUF
// with a hint about the fd limit, no buffer left in the framework (exportBuffers with one fd free
// puts back the one it made); once the fds are freed every buffer exports and maps, and the fd
// count is back to its start.
// The limit is 256, not 64: Node's ESM loader reads a package's modules in parallel, and
// importer-v4l2's graph alone took more than 64 fds at once (the first version of this test died
// with EMFILE opening dist/m2m/m2m-decoder.js before any EXPBUF).
const CHILD = fileURLToPath(new URL('./fixtures/emfile-expbuf-child.mjs', import.meta.url));

labSuite('fd exhaustion during V4L2 EXPBUF', { needs: ['vivid'] }, () => {
  it('EXPBUF with no fd free is EMFILE, nothing half-made; it works once fds are free', () => {
    const r = spawnSync('sh', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${CHILD}"`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('EMFILE-RESULT '));
    expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
    const out = JSON.parse((line as string).slice('EMFILE-RESULT '.length));
    console.log(`EXPBUF under ulimit -n 256: ${JSON.stringify(out)}`);
    expect(out.filled).toBeGreaterThan(100);
    for (const step of ['expbuf', 'expbufAll', 'expbufAllOneFree']) {
      expect(out.steps[step], step).toMatchObject({
        ok: false,
        code: 'EMFILE',
        syscall: 'ioctl(VIDIOC_EXPBUF)',
      });
      expect(out.steps[step].message, step).toMatch(/VIDIOC_EXPBUF\) failed with EMFILE/);
      expect(out.steps[step].hint, step).toMatch(/ulimit -n/);
    }
    expect(out.buffersAfterRefusal).toBe(out.buffersBefore);
    expect(out.fdsFreed).toBe(out.fdsBeforeFill); // no fd of a refused export left open
    expect(out.steps.expbufAfter).toMatchObject({ ok: true });
    expect(out.exported).toBe(2);
    expect(out.mapped).toBe(2);
    for (const size of out.sizes) expect(size).toBeGreaterThanOrEqual(out.sizeimage); // pages: rounded up
    expect(out.fdsAtEnd).toBe(out.fdsAtStart);
    expect(r.status).toBe(0);
  }, 180_000);
});
