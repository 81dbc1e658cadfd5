import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Framework } from '@dmabuf/core';
import { pixelAt, screendump } from '@dmabuf/lab/guest';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import {
  Display,
  DrmDevice,
  DrmError,
  drmExporterPlugin,
  ImportRefusedError,
  NoDisplayError,
  readKms,
  UnsupportedFormatError,
} from '../src/index.js';
import { useDrmLab, VGEM, VIRTIO } from './lab.js';
import { BLUE, crtcFb, GREEN, near, paint, RED, type Rgb, WHITE } from './paint.js';

const here = dirname(fileURLToPath(import.meta.url));

labSuite('KMS display on virtio-gpu in the lab', { needs: ['vgem', 'virtio-gpu'] }, () => {
  const lab = useDrmLab(VIRTIO);

  it('shows a pattern drawn through CPU access (screenshot checked), flips N times with every completion counted, restores the CRTC at close', async () => {
    const display = Display.open(lab.dev);
    expect(display.connector).toBe('Virtual-1');
    expect(display.atomic).toBe(true);
    expect(display.formats).toContain('XR24');
    expect(display.modifiers('XR24')).toContain(0n);
    expect(display.modeReason).toMatch(/^current mode 1280x800@\d+ kept$/);
    const before = crtcFb(lab.dev, display.crtcId);
    const [a, b] = [0, 1].map(() =>
      lab.fw.export({ width: display.width, height: display.height, format: 'XR24' }),
    );
    paint(a!, [RED, GREEN, BLUE, WHITE]);
    paint(b!, GREEN);
    const fa = display.framebuffer(a!);
    const fb = display.framebuffer(b!);
    await display.show(fa);
    expect(crtcFb(lab.dev, display.crtcId)).toBe(fa.id);
    expect(display.placement?.placement).toMatchObject({ kind: 'full', modeChange: false });

    const shot = await screendump('drm-quadrants');
    expect([shot.width, shot.height]).toEqual([display.width, display.height]);
    const w = display.width;
    const h = display.height;
    const samples: [number, number, Rgb][] = [
      [w / 4, h / 4, RED],
      [(3 * w) / 4, h / 4, GREEN],
      [w / 4, (3 * h) / 4, BLUE],
      [(3 * w) / 4, (3 * h) / 4, WHITE],
      [2, 2, RED],
      [w - 3, h - 3, WHITE],
    ];
    for (const [x, y, want] of samples) {
      const got = pixelAt(shot, Math.floor(x), Math.floor(y)) as Rgb;
      expect(near(got, want), `pixel (${x},${y}) is ${got}, expected ${want}`).toBe(true);
    }

    // Flip N times between the two; JS keeps running meanwhile (events come through libuv).
    const N = 40;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    let completions = 0;
    let last = 0;
    for (let i = 0; i < N; i++) {
      const r = await display.flip(i % 2 === 0 ? fb : fa);
      completions++;
      expect(r.timeMs).toBeGreaterThanOrEqual(last);
      last = r.timeMs;
    }
    const ms = performance.now() - t0;
    clearInterval(timer);
    expect(completions).toBe(N);
    expect(display.flips).toBe(N);
    expect(display.showing).toBe(fa);
    expect(ticks).toBeGreaterThan(0);
    console.log(
      `${N} flips in ${ms.toFixed(0)} ms (${((N * 1000) / ms).toFixed(1)} flips/s), ${ticks} timer ticks meanwhile`,
    );

    // Flips queue one per completion: several asked at once all complete, in order.
    const burst = await Promise.all([display.flip(fb), display.flip(fa), display.flip(fb)]);
    expect(burst.map((r) => r.framebuffer)).toEqual([fb, fa, fb]);
    const shot2 = await screendump('drm-green');
    expect(near(pixelAt(shot2, 10, 10) as Rgb, GREEN)).toBe(true);

    expect(() => fb.remove()).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    display.close();
    expect(crtcFb(lab.dev, display.crtcId)).toBe(before);
    expect(fa.removed && fb.removed).toBe(true);
    expect(lab.dev.handles.size).toBe(2); // the exporter's own handles; the framebuffers' imports are gone
    a!.put();
    b!.put();
    expect(lab.dev.handles.size).toBe(0);
  });

  it('legacy SETCRTC/PAGE_FLIP works too; closing the framework before the display still restores cleanly', async () => {
    const before = crtcFb(lab.dev, readKms(lab.dev, { planes: false }).crtcs[0]!.id);
    const display = Display.open(lab.dev, { legacy: true, mode: '1024x768' });
    expect(display.atomic).toBe(false);
    expect([display.width, display.height]).toEqual([1024, 768]);
    const own = await Framework.create({ plugins: [drmExporterPlugin({ device: lab.dev })] });
    const bufs = [0, 1].map(() => own.export({ width: 1024, height: 768, format: 'XR24' }));
    const fbs = bufs.map((b) => display.framebuffer(b));
    await display.show(fbs[0]!);
    for (let i = 0; i < 10; i++) await display.flip(fbs[(i + 1) % 2]!);
    expect(display.flips).toBe(10);
    await own.close(); // tears the buffers down under the display's framebuffers
    display.close();
    expect(crtcFb(lab.dev, display.crtcId)).toBe(before);
    expect(lab.dev.handles.size).toBe(0);
  });

  it('bad input: typed errors naming the device and the numbers; the screen is restored even after a failed flip', async () => {
    expect(() => Display.open(lab.dev, { connector: 'HDMI-A-9' })).toThrow(NoDisplayError);
    expect(() => Display.open(lab.dev, { mode: '1234x567' })).toThrow(
      /Virtual-1 has no mode 1234x567.*Pick one of: .*1280x800/,
    );
    {
      using vgem = DrmDevice.open(VGEM);
      expect(() => Display.open(vgem)).toThrow(/card0 \(vgem\): has no modesetting/);
    }
    const display = Display.open(lab.dev);
    const before = crtcFb(lab.dev, display.crtcId);
    await using other = await Framework.create({
      plugins: [drmExporterPlugin({ device: VGEM, name: 'vgem' })],
    });
    using vbuf = other.export({ width: display.width, height: display.height });
    expect(() => display.framebuffer(vbuf)).toThrow(ImportRefusedError);
    using rgb565 = lab.fw.export({ width: display.width, height: display.height, format: 'RG16' });
    expect(() => display.framebuffer(rgb565)).toThrow(UnsupportedFormatError);
    using tiny = lab.fw.export({ size: 4096 });
    expect(() =>
      display.framebuffer(tiny, { width: 1280, height: 800, format: 'XR24', pitches: [5120] }),
    ).toThrow(/needs 4096000 bytes.*has 4096/);

    using ok = lab.fw.export({ width: display.width, height: display.height });
    using ok2 = lab.fw.export({ width: display.width, height: display.height });
    const f1 = display.framebuffer(ok);
    const f2 = display.framebuffer(ok2);
    await display.show(f1);
    f2.remove();
    const err = await display.flip(f2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrmError);
    expect(err).toMatchObject({ code: 'EBADF' });
    expect((err as Error).message).toMatch(/card1.*framebuffer \d+ \(1280x800 XR24\) was already removed/);
    expect(crtcFb(lab.dev, display.crtcId)).toBe(f1.id);
    await display.flip(f1);
    display.close();
    expect(crtcFb(lab.dev, display.crtcId)).toBe(before);
    expect(() => display.framebuffer(ok)).toThrow(/closed/);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'restores the CRTC when the process is killed by %s without closing; the signal still ends it',
    async (sig) => {
      const crtcId = readKms(lab.dev, { planes: false }).crtcs[0]!.id;
      const before = crtcFb(lab.dev, crtcId);
      lab.dev.dropMaster();
      try {
        const child = spawn(process.execPath, [join(here, 'fixtures', 'show-child.mjs'), VIRTIO, 'wait'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        const ended = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on('exit', (_code, s) => resolve(s)),
        );
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d) => {
            out += d;
            if (/shown \d+/.test(out)) resolve();
          });
          child.on('exit', () => reject(new Error(`child ended before showing: ${err}`)));
        });
        expect(crtcFb(lab.dev, crtcId)).not.toBe(before);
        child.kill(sig);
        expect(await ended).toBe(sig);
        expect(err).toBe('');
      } finally {
        lab.dev.setMaster();
      }
      expect(crtcFb(lab.dev, crtcId)).toBe(before);
    },
  );

  it('restores the CRTC when the process exits without closing (exit hook), when it just ends after flipping, and when the device is closed', async () => {
    const crtcId = readKms(lab.dev, { planes: false }).crtcs[0]!.id;
    const before = crtcFb(lab.dev, crtcId);
    // The fixture as another process (it takes DRM master meanwhile); the screen must be back after it.
    const child = (mode: 'exit' | 'drain') => {
      lab.dev.dropMaster();
      try {
        return spawnSync(process.execPath, [join(here, 'fixtures', 'show-child.mjs'), VIRTIO, mode], {
          encoding: 'utf8',
          timeout: 60_000,
        });
      } finally {
        lab.dev.setMaster();
      }
    };
    const exited = child('exit');
    expect(exited.stderr).toBe('');
    expect(exited.stdout).toMatch(/^shown \d+/);
    expect(exited.status).toBe(0);
    expect(crtcFb(lab.dev, crtcId)).toBe(before);

    // A program that flips and then has nothing left to do ends by itself
    // (the event watch lets go once no flip is pending), and the screen comes back.
    const drained = child('drain');
    expect(drained.stderr).toBe('');
    expect(drained.stdout).toMatch(/^shown \d+\nflipped 5\n$/);
    expect(drained.signal).toBeNull(); // not killed by the timeout
    expect(drained.status).toBe(0);
    expect(crtcFb(lab.dev, crtcId)).toBe(before);

    // Closing the device with a display still showing restores the screen too.
    lab.dev.dropMaster();
    const second = DrmDevice.open(VIRTIO);
    try {
      second.setMaster();
      const display = Display.open(second);
      const buf = lab.fw.export({ width: display.width, height: display.height });
      await display.show(display.framebuffer(buf));
      expect(crtcFb(lab.dev, crtcId)).not.toBe(before);
      second.close();
      expect(display.closed).toBe(true);
      expect(crtcFb(lab.dev, crtcId)).toBe(before);
      buf.put();
    } finally {
      second.close();
      lab.dev.setMaster();
    }
  });
});
