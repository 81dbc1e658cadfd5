import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { debugLines } from './debug-run.js';

labSuite('NODE_DEBUG=dmabuf on the real drivers', { needs: ['udmabuf', 'dma-heap', 'vgem', 'vivid'] }, () => {
  it('logs each driver ioctl with its arguments and result, and the core lifecycle around them', () => {
    const s = debugLines('lab', 'dmabuf');
    expect(s.get('UDMABUF')?.some((l) => /^createOwn\(\d+, .*\) -> \d+$/.test(l))).toBe(true);
    expect(s.get('HEAP')).toContainEqual(expect.stringMatching(/^alloc\(\d+, 65536, \d+, 0\) -> \d+$/));
    expect(s.get('DRM')?.some((l) => /^prime\w*\(\d+, \d+\) -> /.test(l))).toBe(true);
    const v4l2 = s.get('V4L2') ?? [];
    expect(v4l2[0]).toMatch(/^open\('\/dev\/video0'\) -> \d+$/);
    expect(v4l2[1]).toMatch(/^querycap\(\d+\) -> \{ driver: 'vivid'/);
    expect(v4l2.filter((l) => l.startsWith('enumFmt(')).at(-1)).toMatch(/ -> -EINVAL$/);
    const core = s.get('CORE') ?? [];
    for (const step of [
      /: live, fd \d+/,
      /: attach /,
      /: map for /,
      /: unmap for /,
      /: detach /,
      /: release, close fd/,
    ])
      expect(
        core.some((l) => step.test(l)),
        String(step),
      ).toBe(true);
  });
});
