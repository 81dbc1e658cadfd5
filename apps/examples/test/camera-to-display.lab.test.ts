import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openFdCount } from '@dmabuf/core';
import { screendump } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { checkBars } from '../src/camera-display/colour-bars.js';
import { type PipelineOptions, runPipeline } from '../src/camera-display/pipeline.js';

const base = { width: 640, height: 480, buffers: 4, camera: '/dev/video0' } as const;
const script = fileURLToPath(new URL('../dist/camera-to-display.js', import.meta.url));

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

labSuite('camera-to-display in the lab (vivid → virtio-gpu)', { needs: ['vivid', 'virtio-gpu'] }, () => {
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
    // virtio-gpu's only plane neither scales nor positions: the mode change is announced.
    expect(r.modeReason).toMatch(/^current mode 1280x800@\d+ kept$/);
    expect(r.placement).toMatch(/MODE CHANGE to 640x480@\d+/);
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

  it.each(['YUYV', 'UYVY', 'NV12', 'YU12'])(
    'a camera format no plane scans out (%s on virtio-gpu): each frame converted to XR24 in native code; the screen shows the bars',
    async (format) => {
      const fds = openFdCount();
      const { r, shot } = await runWithShot(
        `camera-to-display-lab-${format}`,
        { frames: 6, copy: false, format },
        8,
      );
      expect(r).toMatchObject({
        path: 'copy',
        format,
        displayFormat: 'XR24',
        frames: 6,
        copyReason: expect.stringMatching(new RegExp(`no display plane scans out ${format}.*native`)),
      });
      expect(shot?.bars).toEqual([]);
      expect(openFdCount()).toBe(fds);
    },
  );

  it('--connector and --mode: the one asked for, or a typed error naming what was asked and what there is; the screen restored', async () => {
    const fds = openFdCount();
    const before = (await screendump('camera-to-display-lab-before-bad')).width;
    await expect(
      runPipeline({ ...base, frames: 1, copy: false, connector: 'HDMI-A-2' }),
    ).rejects.toMatchObject({
      name: 'NoDisplayError',
      message: expect.stringMatching(/no connector named HDMI-A-2 \(Virtual-1 connected\)/),
    });
    await expect(runPipeline({ ...base, frames: 1, copy: false, mode: '1234x567' })).rejects.toMatchObject({
      name: 'DrmError',
      message: expect.stringMatching(/Virtual-1 has no mode 1234x567/),
      hint: expect.stringMatching(/Pick one of: .*800x600/),
    });
    // A mode that exists but cannot hold the picture where no plane positions it.
    await expect(runPipeline({ ...base, frames: 1, copy: false, mode: '800x600' })).rejects.toThrow(
      /cannot show a 640x480 XR24 picture in 800x600@\d+: .*the mode 800x600@\d+ was fixed by request/,
    );
    expect(openFdCount()).toBe(fds);
    expect((await screendump('camera-to-display-lab-after-bad')).width).toBe(before);
    const { r, shot } = await runWithShot('camera-to-display-lab-mode', {
      frames: 5,
      copy: false,
      connector: 'Virtual-1',
      mode: '640x480@60',
    });
    expect(r).toMatchObject({ path: 'zero-copy', mode: '640x480', modeReason: 'mode 640x480@60 as asked' });
    expect(r.placement).toMatch(
      /full screen 640x480 in 640x480@60: the picture is the size of the current mode/,
    );
    expect(shot?.bars).toEqual([]);
  });

  it('--list prints the cameras (formats, sizes, rates) and the displays (connectors, modes, planes with formats)', () => {
    const r = spawnSync(process.execPath, [script, '--list', '--no-lab'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^camera \/dev\/video0: .*\(vivid\)$/m);
    expect(r.stdout).toMatch(/^ {2}YUYV .*: .*640x480/m);
    expect(r.stdout).toMatch(/^display DRM card1 \(virtio_gpu\)$/m);
    expect(r.stdout).toMatch(
      /^ {2}connector Virtual-1 connected, now 1280x800@\d+: 1280x800@75 .*640x480@60/m,
    );
    expect(r.stdout).toMatch(/^ {2}plane \d+ primary \(CRTC mask 0b1\): XR24$/m);
    console.log(r.stdout);
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
        if (n >= 30) stop.abort(new Error('interrupted')); // the link reports every 30 frames
      },
    });
    expect(r.frames).toBeGreaterThanOrEqual(30);
    expect(openFdCount()).toBe(fds);
    expect((await screendump('camera-to-display-lab-aborted')).width).not.toBe(640);
  });

  it('a size the display has no mode for is a typed error naming the modes; nothing leaks', async () => {
    const fds = openFdCount();
    await expect(
      runPipeline({ ...base, width: 320, height: 180, frames: 1, copy: false }),
    ).rejects.toMatchObject({
      name: 'DrmError',
      message: expect.stringMatching(/Virtual-1 has no mode 320x180/),
      hint: expect.stringMatching(/Pick one of: .*640x480/),
    });
    expect(openFdCount()).toBe(fds);
  });
});
