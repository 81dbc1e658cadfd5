import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BARS, checkBars } from '../src/camera-display/colour-bars.js';
import { missingDevices } from '../src/camera-display/devices.js';
import { parseDemoOptions } from '../src/camera-display/options.js';

describe('camera-to-display options', () => {
  it('defaults: 120 frames of 640x480 through 4 buffers, zero-copy, lab relay allowed', () => {
    expect(parseDemoOptions([])).toEqual({
      frames: 120,
      fps: undefined,
      width: 640,
      height: 480,
      camera: undefined,
      card: undefined,
      buffers: 4,
      copy: false,
      noLab: false,
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
        '--buffers',
        '6',
        '--fps',
        '30',
        '--copy',
        '--no-lab',
        '--json',
      ]),
    ).toEqual({
      frames: 0,
      fps: 30,
      width: 1280,
      height: 720,
      camera: '/dev/video2',
      card: '/dev/dri/card1',
      buffers: 6,
      copy: true,
      noLab: true,
      json: true,
    });
  });

  it.each([
    [['--frames=-1'], /--frames wants a whole number/],
    [['--frames', 'many'], /--frames wants a whole number/],
    [['--size', '640'], /--size wants WIDTHxHEIGHT/],
    [['--buffers', '1'], /--buffers wants 2\.\.32/],
    [['--fps', '0'], /--fps wants a rate/],
    [['--bogus'], /Unknown option '--bogus'/],
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

  it.skipIf(missingDevices({}).length === 0)(
    '--no-lab without a camera or display exits 1 saying what is missing',
    () => {
      const r = run('--no-lab', '--camera', '/nonexistent/video9');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /camera \/nonexistent\/video9 does not exist.*Without --no-lab the demo runs in the virtual lab/,
      );
    },
  );
});
