// The bench's camera account (bench/camera-trace.js) read from trace text shaped as tracefs writes
// it: frames delivered, sequence numbers skipped, and whether the driver held a buffer meanwhile.
import { describe, expect, it } from 'vitest';
import { cameraRound } from '../bench/camera-trace.js';

const PERIOD = 1 / 60;
const at = (t: number) => (20 + t).toFixed(6);
const vb2 = (t: number, name: string, queued: number, type = 1) =>
  `     vivid-000-vid-c-203     [001] .....    ${at(t)}: ${name}: owner = 00000000a1b2c3d4, queued = 2, owned_by_drv = ${queued}, index = 0, type = ${type}, bytesused = 1228800, timestamp = 0`;
const dqbuf = (t: number, sequence: number, type = 'VIDEO_CAPTURE') =>
  `     dmabuf-link-204     [000] .....    ${at(t)}: v4l2_dqbuf: minor = 0, index = 0, type = ${type}, bytesused = 1228800, flags = TIMESTAMP_MONOTONIC, field = NONE, timestamp = 1, timecode = { type = 0x0, flags = , frames = 0, seconds = 0, minutes = 0, hours = 0, userbits = { 0 0 0 0 } }, sequence = ${sequence}`;

/**
 * A trace of `n` frame times: the driver holds two buffers before each completion, the
 * application takes the frame 1 ms later and queues a buffer back 2 ms after that. `skip` frame
 * times have no frame; after an `empty` one the driver has no buffer until past the next frame time.
 */
function trace(n: number, { skip = [] as number[], empty = [] as number[] } = {}): string {
  const lines = ['# tracer: nop', '#'];
  for (let s = 0; s < n; s++) {
    const t = s * PERIOD;
    if (skip.includes(s)) continue;
    if (empty.includes(s)) {
      // the application gives no buffer back until after the next frame time: the driver is empty
      lines.push(vb2(t, 'vb2_buf_done', 0), dqbuf(t + 0.001, s));
      lines.push(vb2(t + PERIOD + 0.004, 'vb2_buf_queue', 1), vb2(t + PERIOD + 0.005, 'vb2_buf_queue', 2));
      continue;
    }
    lines.push(vb2(t, 'vb2_buf_done', 1), dqbuf(t + 0.001, s), vb2(t + 0.003, 'vb2_buf_queue', 2));
    // a V4L2 output queue's events on the same device are not the camera's
    lines.push(vb2(t + 0.004, 'vb2_buf_done', 0, 2), dqbuf(t + 0.004, 1000 + s, 'VIDEO_OUTPUT'));
  }
  return lines.join('\n') + '\n';
}

describe('cameraRound (the bench camera account)', () => {
  it('reads a steady camera as 60 frames per second, nothing skipped', () => {
    const r = cameraRound(trace(100), { from: 10, to: 90 });
    expect(r).not.toBeNull();
    expect(r?.frames).toBe(80);
    expect(r?.fps).toBeCloseTo(60, 3);
    expect(r?.sequenceRate).toBeCloseTo(60, 3);
    expect(r?.skipped).toBe(0);
    expect(r?.emptyIntervals).toBe(0);
    expect(r?.maxQueued).toBe(2);
  });

  it('counts a skipped frame time with a buffer queued as the driver being late', () => {
    const r = cameraRound(trace(100, { skip: [40, 41, 60] }), { from: 10, to: 90 });
    expect(r?.skipped).toBe(3);
    expect(r?.skippedWithBufferQueued).toBe(3);
    expect(r?.emptyIntervals).toBe(0);
    // 80 frames over 83 frame times: fewer frames per second, the camera's clock unchanged
    expect(r?.fps).toBeCloseTo((79 / 82) * 60, 3);
    expect(r?.sequenceRate).toBeCloseTo(60, 3);
  });

  it('does not count a skip whose interval left the driver without a buffer as lateness', () => {
    const r = cameraRound(trace(100, { skip: [51], empty: [50] }), { from: 10, to: 90 });
    expect(r?.skipped).toBe(1);
    expect(r?.skippedWithBufferQueued).toBe(0);
    expect(r?.emptyIntervals).toBe(1);
  });

  it('gives null for a trace with too few frames in the window (tracing off, a short round)', () => {
    expect(cameraRound('', { from: 30, to: 300 })).toBeNull();
    expect(cameraRound(trace(20), { from: 30, to: 300 })).toBeNull();
  });
});
