import { closeFd, createMemfd, DmaBufError, sealMemfd } from '@dmabuf/core';
import { fdDelta, refusalOf } from '@dmabuf/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRange, UdmabufError } from '../src/index.js';

const PAGE = 4096;
const open: number[] = [];
function memfd(size: number, opts: Parameters<typeof createMemfd>[2] = { seals: ['shrink'] }): number {
  const fd = createMemfd('udmabuf-check', size, opts);
  open.push(fd);
  return fd;
}
afterEach(() => {
  for (const fd of open.splice(0)) closeFd(fd);
});

const refusal = (fn: () => unknown) => refusalOf(fn, UdmabufError);

describe('checkRange: what udmabuf will refuse, said before the ioctl', () => {
  it('accepts a memfd sealed with F_SEAL_SHRINK and names it in the source', () => {
    const fd = memfd(4 * PAGE);
    const r = checkRange({ memfd: fd, offset: PAGE, size: 2 * PAGE }, 0);
    expect(r).toMatchObject({ memfd: fd, offset: PAGE, size: 2 * PAGE });
    expect(r.source).toMatch(/^memfd:udmabuf-check#\d+@0x1000$/);
    expect(checkRange({ memfd: fd }, 0).size).toBe(4 * PAGE);
  });

  it('refuses an offset that is not page aligned (selftest case 1), suggesting aligned ones', () => {
    const e = refusal(() => checkRange({ memfd: memfd(4 * PAGE), offset: PAGE / 2, size: PAGE }, 0));
    expect(e.code).toBe('EINVAL');
    expect(e.errno).toBe(22);
    expect(e.message).toContain('ranges[0].offset 2048 is not a multiple of the page size');
    expect(e.message).toContain('0 or 4096');
  });

  it('refuses a size that is not a multiple of the page size (selftest case 2)', () => {
    const e = refusal(() => checkRange({ memfd: memfd(4 * PAGE), size: PAGE / 2 }, 3));
    expect(e.code).toBe('EINVAL');
    expect(e.range).toBe(3);
    expect(e.message).toContain('ranges[3].size 2048');
    expect(e.message).toContain('Round the size up to 4096');
  });

  it('refuses an fd that is not a memfd (selftest case 3) with the kernel errno EBADFD', () => {
    const e = refusal(() => checkRange({ memfd: 0, size: PAGE }, 0));
    expect(e.code).toBe('EBADFD');
    expect(e.errno).toBe(77);
    expect(e.message).toMatch(/fd 0 \(.*\) is not a memfd/);
  });

  it('refuses a closed fd', () => {
    const fd = createMemfd('gone', PAGE, { seals: ['shrink'] });
    closeFd(fd);
    const e = refusal(() => checkRange({ memfd: fd }, 0));
    expect(e.code).toBe('EBADFD');
    expect(e.message).toContain('is not open');
  });

  it('names the missing F_SEAL_SHRINK and how to add it', () => {
    const e = refusal(() => checkRange({ memfd: memfd(PAGE, { seals: [] }) }, 0));
    expect(e.seal).toBe('F_SEAL_SHRINK');
    expect(e.code).toBe('EINVAL');
    expect(e.message).toContain("sealMemfd(fd, ['shrink'])");
  });

  it('says a memfd made without MFD_ALLOW_SEALING can never get the seal', () => {
    const fd = memfd(PAGE, { allowSealing: false });
    expect(() => sealMemfd(fd, ['shrink'])).toThrow(expect.objectContaining({ code: 'EPERM' }));
    const e = refusal(() => checkRange({ memfd: fd }, 0));
    expect(e.seal).toBe('F_SEAL_SHRINK');
    expect(e.message).toContain('MFD_ALLOW_SEALING');
  });

  it('refuses F_SEAL_WRITE', () => {
    const e = refusal(() => checkRange({ memfd: memfd(PAGE, { seals: ['shrink', 'write'] }) }, 0));
    expect(e.seal).toBe('F_SEAL_WRITE');
    expect(e.message).toContain('F_SEAL_WRITE, which udmabuf refuses');
  });

  it('refuses a range past the end of the memfd, and an empty one', () => {
    const fd = memfd(2 * PAGE);
    expect(refusal(() => checkRange({ memfd: fd, offset: PAGE, size: 2 * PAGE }, 0)).message).toContain(
      'runs past the end',
    );
    expect(refusal(() => checkRange({ memfd: fd, offset: 2 * PAGE }, 0)).message).toContain('is empty');
  });

  it('refuses wrong types with an argument error and leaks nothing', async () => {
    expect(
      await fdDelta(() => {
        expect(() => checkRange({ memfd: -1 }, 0)).toThrow(DmaBufError);
        expect(() => checkRange({ memfd: 1.5 } as never, 0)).toThrow(/Expected a file descriptor/);
        expect(() => checkRange(null as never, 0)).toThrow(UdmabufError);
      }),
    ).toBe(0);
  });
});
