import { openFdCount } from '@dmabuf/core';
import { inLab, screendump } from '@dmabuf/lab/guest';
import { describe, expect, it } from 'vitest';
import { checkBars } from '../src/camera-display/colour-bars.js';
import { type PipelineOptions, runPipeline } from '../src/camera-display/pipeline.js';

const base = { width: 640, height: 480, buffers: 4, camera: '/dev/video0' } as const;

/** Run the pipeline and take a screenshot while its last frame is on screen; the bars checked with `tolerance`. */
async function runWithShot(
  name: string,
  options: Omit<PipelineOptions, keyof typeof base | 'onShown'>,
  tolerance = 0,
) {
  let shot: { width: number; height: number; bars: string[] } | undefined;
  const result = await runPipeline({
    ...base,
    ...options,
    onShown: async (n) => {
      if (n !== options.frames) return;
      const s = await screendump(name);
      shot = { width: s.width, height: s.height, bars: checkBars(s.pixels, s.width, s.height, tolerance) };
    },
  });
  return { r: result, shot };
}

describe.runIf(inLab())('camera-to-display in the lab (vivid → virtio-gpu)', () => {
  it('zero-copy: the camera writes into scanout buffers; the screen shows its colour bars; nothing leaks; screen restored', async () => {
    const fds = openFdCount();
    const { r, shot } = await runWithShot('camera-to-display-lab', { frames: 20, copy: false });
    expect([shot?.width, shot?.height]).toEqual([640, 480]);
    expect(r).toMatchObject({
      path: 'zero-copy',
      frames: 20,
      mode: '640x480',
      format: 'XR24',
      displayFormat: 'XR24',
      copiedBytesPerFrame: 0,
    });
    expect(r.copyReason).toBeUndefined();
    expect(shot?.bars).toEqual([]);
    expect(openFdCount()).toBe(fds);
    const after = await screendump('camera-to-display-lab-after');
    expect(after.width).not.toBe(640); // the console's mode is back (1280x800)
  });

  it('copy path (the baseline): same picture, one CPU copy of 1200 KiB per frame', async () => {
    const fds = openFdCount();
    const { r, shot } = await runWithShot('camera-to-display-lab-copy', { frames: 10, copy: true });
    expect(r).toMatchObject({
      path: 'copy',
      frames: 10,
      copiedBytesPerFrame: 640 * 480 * 4,
      copyReason: 'forced (--copy)',
    });
    expect(shot?.bars).toEqual([]);
    expect(openFdCount()).toBe(fds);
  });

  it('a camera format the display cannot scan out (YUYV on virtio-gpu): each frame converted by the CPU; the screen shows the bars', async () => {
    const fds = openFdCount();
    const { r, shot } = await runWithShot(
      'camera-to-display-lab-yuyv',
      { frames: 10, copy: false, format: 'YUYV' },
      8,
    );
    expect(r).toMatchObject({
      path: 'copy',
      format: 'YUYV',
      displayFormat: 'XR24',
      frames: 10,
      copyReason: expect.stringMatching(/the display cannot scan out YUYV/),
    });
    expect(shot?.bars).toEqual([]);
    expect(openFdCount()).toBe(fds);
  });

  it('Ctrl-C (an aborted signal) stops the stream cleanly and restores the screen', async () => {
    const fds = openFdCount();
    const stop = new AbortController();
    const r = await runPipeline({
      ...base,
      frames: 0,
      copy: false,
      signal: stop.signal,
      onShown: (n) => {
        if (n === 5) stop.abort(new Error('interrupted'));
      },
    });
    expect(r.frames).toBe(5);
    expect(openFdCount()).toBe(fds);
    expect((await screendump('camera-to-display-lab-aborted')).width).not.toBe(640);
  });

  it('a size the display has no mode for is a typed error naming the modes; nothing leaks', async () => {
    const fds = openFdCount();
    await expect(
      runPipeline({ ...base, width: 320, height: 180, frames: 1, copy: false }),
    ).rejects.toMatchObject({
      name: 'DrmError',
      message: expect.stringMatching(/has no mode 320x180/),
      hint: expect.stringMatching(/Pick one of: .*640x480/),
    });
    expect(openFdCount()).toBe(fds);
  });
});
