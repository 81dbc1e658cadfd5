import { describe, expect, it } from 'vitest';
import { debugLines } from './debug-run.js';

// Every driver's binding is loaded through @dmabuf/core/driver's loadAddon, which traces it
// under the package's own NODE_DEBUG section.
describe('NODE_DEBUG=dmabuf:<driver>: each driver binding traced under its own section', {
  timeout: 60_000,
}, () => {
  it('NODE_DEBUG=dmabuf: every driver logs its open with the path and the errno name', () => {
    const s = debugLines('missing', 'dmabuf');
    expect(s.get('UDMABUF')).toEqual(["openDevice('/nonexistent/udmabuf') -> -ENOENT"]);
    expect(s.get('HEAP')).toEqual(["openHeap('/nonexistent/dma_heap/system') -> -ENOENT"]);
    expect(s.get('DRM')?.[0]).toMatch(/^open\w*\('\/nonexistent\/card0'.*\) -> -ENOENT$/);
    expect(s.get('V4L2')).toEqual(["open('/nonexistent/video0') -> -ENOENT"]);
  });

  it('one section alone logs that driver only; none logs nothing', () => {
    expect([...debugLines('missing', 'dmabuf:drm').keys()]).toEqual(['DRM']);
    expect([...debugLines('missing', 'dmabuf:v4l2,dmabuf:heap').keys()].sort()).toEqual(['HEAP', 'V4L2']);
    expect(debugLines('missing').size).toBe(0);
  });
});
