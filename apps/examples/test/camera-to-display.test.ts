import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { convertToXrgb } from '@dmabuf/core';
import { describe, expect, it } from 'vitest';
import { BARS, checkBars } from '../src/camera-display/colour-bars.js';
import { missingDevices } from '../src/camera-display/devices.js';
import { chooseFormat } from '../src/camera-display/format-choice.js';
import { parseDemoOptions } from '../src/camera-display/options.js';
import { placeDemo } from '../src/camera-display/placement.js';

describe('camera-to-display options', () => {
  it('defaults: 120 frames of 640x480 through 4 buffers, zero-copy, lab relay allowed', () => {
    expect(parseDemoOptions([])).toEqual({
      frames: 120,
      fps: undefined,
      format: undefined,
      width: 640,
      height: 480,
      camera: undefined,
      card: undefined,
      connector: undefined,
      mode: undefined,
      list: false,
      buffers: 4,
      copy: false,
      noLab: false,
      lab: false,
      checkDevices: false,
      json: false,
    });
  });

  it('takes every flag', () => {
    expect(
      parseDemoOptions([
        '--frames=0',
        '--size',
        '1280x720',
        '--camera',
        '/dev/video2',
        '--card',
        '/dev/dri/card1',
        '--connector',
        'HDMI-A-2',
        '--mode',
        '1280x720@60',
        '--list',
        '--buffers',
        '6',
        '--fps',
        '30',
        '--format',
        'YUYV',
        '--copy',
        '--no-lab',
        '--json',
      ]),
    ).toEqual({
      frames: 0,
      fps: 30,
      format: 'YUYV',
      width: 1280,
      height: 720,
      camera: '/dev/video2',
      card: '/dev/dri/card1',
      connector: 'HDMI-A-2',
      mode: '1280x720@60',
      list: true,
      buffers: 6,
      copy: true,
      noLab: true,
      lab: false,
      checkDevices: false,
      json: true,
    });
    expect(parseDemoOptions(['--lab', '--check-devices'])).toMatchObject({ lab: true, checkDevices: true });
  });

  it.each([
    [['--frames=-1'], /--frames wants a whole number/],
    [['--frames', 'many'], /--frames wants a whole number/],
    [['--size', '640'], /--size wants WIDTHxHEIGHT/],
    [['--buffers', '1'], /--buffers wants 2\.\.32/],
    [['--fps', '0'], /--fps wants a rate/],
    [['--format', 'yuyv'], /--format wants a V4L2 fourcc/],
    [['--mode', 'big'], /--mode wants WIDTHxHEIGHT or WIDTHxHEIGHT@HZ/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--lab', '--no-lab'], /--lab and --no-lab contradict each other/],
  ])('refuses %j with a message naming the flag', (argv, message) => {
    expect(() => parseDemoOptions(argv)).toThrow(message);
  });
});

describe('colour bar check', () => {
  function bars(width: number, height: number): Uint8Array {
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        rgb.set(BARS[Math.floor((x * BARS.length) / width)]!, (y * width + x) * 3);
    return rgb;
  }

  it('accepts the eight 75% bars at any size', () => {
    expect(checkBars(bars(640, 480), 640, 480)).toEqual([]);
    expect(checkBars(bars(1280, 720), 1280, 720)).toEqual([]);
  });

  it('names each bar that is wrong', () => {
    const rgb = bars(640, 480);
    rgb.fill(0); // a black screen: all but the last (black) bar wrong
    const wrong = checkBars(rgb, 640, 480);
    expect(wrong).toHaveLength(7);
    expect(wrong[0]).toBe('bar 0 at (40,288): want 191,191,191, got 0,0,0');
  });
});

describe('device discovery', () => {
  it('names a camera or card path that does not exist', () => {
    const missing = missingDevices({ camera: '/nonexistent/video9', card: '/nonexistent/card9' });
    expect(missing).toEqual([
      'camera /nonexistent/video9 does not exist',
      'display card /nonexistent/card9 does not exist',
    ]);
  });
});

describe('the command', () => {
  const script = fileURLToPath(new URL('../dist/camera-to-display.js', import.meta.url));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [script, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, DMABUF_LAB: '' },
    });

  it('--help prints the usage and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--frames N .*--size WxH/s);
  });

  it('a bad flag exits 2 naming it, with the usage', () => {
    const r = run('--size', 'big');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--size wants WIDTHxHEIGHT \(e\.g\. 640x480\), got 'big'/);
  });

  it('--no-lab without a camera or display exits 1 saying what is missing and that the lab is refused', () => {
    const r = run('--no-lab', '--camera', '/nonexistent/video9');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /camera \/nonexistent\/video9 does not exist.*--no-lab: not running in the virtual lab\. Connect a V4L2 camera/,
    );
    expect(r.stdout).not.toMatch(/running in the virtual lab/);
  });

  it('--check-devices names what this machine lacks and exits 3 (setup provisions the lab on that)', () => {
    const r = run('--check-devices', '--camera', '/nonexistent/video9');
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/this machine lacks: camera \/nonexistent\/video9 does not exist/);
  });

  it('--lab with --no-lab exits 2 naming the contradiction', () => {
    const r = run('--lab', '--no-lab');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--lab and --no-lab contradict each other/);
  });
});

describe('where the demo runs', () => {
  const flags = { lab: false, noLab: false, checkDevices: false };
  const none = ['no V4L2 capture device (/dev/video*)'];

  it('on the real camera and display when both are here, without the lab', () => {
    expect(placeDemo(flags, [])).toEqual({
      where: 'here',
      say: "camera-to-display: using this machine's camera and display",
    });
  });

  it('in the lab when something is missing, announced with what is missing', () => {
    expect(placeDemo(flags, none)).toEqual({
      where: 'lab',
      say: 'camera-to-display: no V4L2 capture device (/dev/video*): running in the virtual lab (vivid camera → virtio-gpu display) instead',
    });
  });

  it('--lab forces the lab even with a camera and display here, and says so', () => {
    expect(placeDemo({ ...flags, lab: true }, [])).toMatchObject({
      where: 'lab',
      say: expect.stringMatching(/--lab: running in the virtual lab/),
    });
  });

  it('--no-lab refuses the lab, naming what is missing; with both devices here it runs here', () => {
    expect(placeDemo({ ...flags, noLab: true }, none)).toMatchObject({
      where: 'refuse',
      error: expect.stringMatching(
        /^camera-to-display: no V4L2 capture device.*--no-lab: not running in the virtual lab/,
      ),
    });
    expect(placeDemo({ ...flags, noLab: true }, [])).toMatchObject({ where: 'here' });
  });

  it('--check-devices only reports: exit 0 with both, 3 naming what is missing', () => {
    expect(placeDemo({ ...flags, checkDevices: true }, [])).toMatchObject({ where: 'check', exitCode: 0 });
    expect(placeDemo({ ...flags, checkDevices: true }, none)).toMatchObject({
      where: 'check',
      exitCode: 3,
      say: 'camera-to-display: this machine lacks: no V4L2 capture device (/dev/video*)',
    });
  });
});

describe('format choice', () => {
  const drmOf = (f: string) => ({ XR24: 'XR24', AR24: 'AR24', YUYV: 'YUYV', NV12: 'NV12', RGBP: 'RG16' })[f];

  it('XR24 first when both sides have it: the camera writes the scanout buffers', () => {
    expect(chooseFormat(['YUYV', 'NV12', 'XR24'], ['AR24', 'XR24'], drmOf)).toMatchObject({
      camera: 'XR24',
      display: 'XR24',
      convert: false,
    });
  });

  it("else the camera's first format the display takes", () => {
    expect(chooseFormat(['YUYV', 'AR24'], ['AR24', 'XR24'], drmOf)).toMatchObject({
      camera: 'AR24',
      display: 'AR24',
      convert: false,
    });
  });

  it('a webcam with only YUYV and MJPG on an XR24-only plane: YUYV converted to XR24 by the CPU', () => {
    expect(chooseFormat(['YUYV'], ['XR24'], drmOf)).toMatchObject({
      camera: 'YUYV',
      display: 'XR24',
      convert: true,
    });
  });

  it('a YUV camera and a plane (an overlay) that takes YUV: zero-copy, no conversion', () => {
    // displayFormats is every plane's formats: primary XR24, overlay NV12/YUYV
    expect(chooseFormat(['YUYV'], ['XR24', 'NV12', 'YUYV'], drmOf)).toMatchObject({
      camera: 'YUYV',
      display: 'YUYV',
      convert: false,
    });
  });

  it('UYVY, NV12 and YU12 cameras on an XR24-only plane are converted too', () => {
    for (const f of ['UYVY', 'NV12', 'YU12'])
      expect(chooseFormat([f], ['XR24'], drmOf)).toMatchObject({ camera: f, display: 'XR24', convert: true });
  });

  it('a requested format: direct if the display takes it, converted if it can be, else an error naming both sides', () => {
    expect(chooseFormat(['YUYV', 'XR24'], ['XR24', 'YUYV'], drmOf, 'YUYV').convert).toBe(false);
    expect(chooseFormat(['YUYV', 'XR24'], ['XR24'], drmOf, 'YUYV').convert).toBe(true);
    expect(() => chooseFormat(['YUYV'], ['XR24'], drmOf, 'NV12')).toThrow(
      /--format NV12: the camera offers YUYV, the display takes XR24; pick one the camera offers/,
    );
    expect(chooseFormat(['NV12'], ['XR24'], drmOf, 'NV12').convert).toBe(true);
    expect(() => chooseFormat(['RGBP'], ['XR24'], drmOf, 'RGBP')).toThrow(
      /converts only YUYV, UYVY, NV12, YU12/,
    );
    expect(() => chooseFormat(['RGBP', 'MJPG'], ['XR24'], drmOf)).toThrow(/no format fits/);
  });
});

describe('YUYV → XRGB8888 (the native conversion the copy path uses)', () => {
  it("converts BT.601 limited range: 75% white, vivid's 75% yellow, black; honours both pitches", () => {
    // two pixel pairs per row, two rows; source pitch 12 (8 bytes used), destination pitch 20 (16 used)
    const pairs = [
      [180, 128, 180, 128], // Y=180: 75% white
      [162, 44, 162, 142], // 75% yellow (BT.601)
    ];
    const src = new Uint8Array(24);
    for (let y = 0; y < 2; y++) src.set([...pairs[0]!, ...pairs[1]!], y * 12);
    src[12] = 16; // row 1, first pixel black
    const dst = new Uint8Array(40);
    convertToXrgb(src, { format: 'YUYV', width: 4, height: 2, pitches: [12] }, dst, 20);
    const px = (x: number, y: number) => [...dst.subarray(y * 20 + x * 4, y * 20 + x * 4 + 3)].reverse();
    expect(px(0, 0)).toEqual([191, 191, 191]);
    const [r, g, b] = px(2, 0) as [number, number, number];
    expect([r, g, b]).toEqual(truth(162, 44 - 128, 142 - 128));
    expect(Math.abs(r - 191) <= 2 && Math.abs(g - 191) <= 2 && b <= 2).toBe(true);
    expect(px(0, 1)).toEqual([0, 0, 0]);
    expect(dst.subarray(16, 20).every((v) => v === 0)).toBe(true); // bytes past the row untouched
  });

  function truth(y: number, u: number, v: number): [number, number, number] {
    const c = 298 * (y - 16);
    const f = (n: number) => Math.max(0, Math.min(255, n >> 8));
    return [f(c + 409 * v + 128), f(c - 100 * u - 208 * v + 128), f(c + 516 * u + 128)];
  }
});
