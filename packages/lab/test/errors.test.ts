import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabError, missingKernelError } from '../src/errors.js';
import { provision, readStamp } from '../src/provision.js';

describe('missing kernel', () => {
  it('says what is missing and how to bring a kernel of your own', () => {
    const e = missingKernelError(['apt-get', 'linux-image-6.12.*-amd64-unsigned']);
    expect(e).toBeInstanceOf(LabError);
    expect(e.code).toBe('ENOKERNEL');
    expect(e.message).toContain('missing apt-get, linux-image-6.12.*-amd64-unsigned');
    expect(e.message).toContain('DMABUF_LAB_KERNEL=/path/to/vmlinuz');
    expect(e.message).toContain('DMABUF_LAB_MODULES=/path/to/unpacked/root');
  });

  it('provision with DMABUF_LAB_KERNEL pointing nowhere fails with that message', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'lab-cache-'));
    const env = { DMABUF_LAB_CACHE: cache, DMABUF_LAB_KERNEL: '/nonexistent/vmlinuz', DMABUF_LAB_QUIET: '1' };
    await expect(provision({ env })).rejects.toThrow(
      /DMABUF_LAB_KERNEL=\/nonexistent\/vmlinuz \(no such file\)/,
    );
  });

  it('an empty or corrupt cache has no stamp', () => {
    expect(readStamp(mkdtempSync(join(tmpdir(), 'lab-cache-')))).toBeNull();
  });
});

describe('cpio', () => {
  it('writes newc headers, 4-byte aligned, with a trailer', async () => {
    const { cpioEntry, writeCpio } = await import('../src/cpio.js');
    const buf = writeCpio([
      cpioEntry.dir('bin'),
      cpioEntry.file('init', '#!/bin/sh\n', 0o755),
      cpioEntry.chardev('dev/console', 5, 1),
    ]);
    expect(buf.toString('latin1', 0, 6)).toBe('070701');
    expect(buf.length % 4).toBe(0);
    expect(buf.includes(Buffer.from('TRAILER!!!\0'))).toBe(true);
    expect(buf.includes(Buffer.from('#!/bin/sh\n'))).toBe(true);
  });
});
