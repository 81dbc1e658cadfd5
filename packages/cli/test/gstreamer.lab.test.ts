import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { DevicesReport, Snapshot } from '../src/index.js';
import { gstEnv } from './gstreamer.js';
import { dmabuf, labSuite } from './lab.js';

labSuite('dmabuf ls and devices against a GStreamer pipeline (lab)', () => {
  it('lists the buffers v4l2src exports (io-mode=dmabuf), as bufinfo does; devices says the queue is busy', async () => {
    const pipeline = [
      'v4l2src',
      'device=/dev/video0',
      'io-mode=dmabuf',
      '!',
      'video/x-raw,width=640,height=480',
    ];
    const gst = spawn('gst-launch-1.0', ['-q', ...pipeline, '!', 'fakesink'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: gstEnv(),
    });
    const exited = new Promise<number | null>((r) => gst.once('exit', r));
    try {
      let s: Snapshot | undefined;
      for (let i = 0; i < 240; i++) {
        const r = await dmabuf('ls', '--json', '--pid', String(gst.pid));
        expect(r.code).toBe(0);
        s = JSON.parse(r.stdout) as Snapshot;
        if (s.buffers.length >= 2) break;
        await sleep(500);
      }
      expect(s!.buffers.length).toBeGreaterThanOrEqual(2);
      const bufinfo = readFileSync('/sys/kernel/debug/dma_buf/bufinfo', 'utf8');
      for (const b of s!.buffers) {
        expect(b.holders).toEqual([
          expect.objectContaining({ pid: gst.pid, command: 'gst-launch-1.0', fds: [expect.any(Number)] }),
        ]);
        // vivid's vb2 buffers: exported by videobuf2 (vmalloc), one row each in the kernel's list
        expect(b.exporter).toBe('videobuf2_vmalloc');
        expect(b.size).toBeGreaterThanOrEqual(640 * 480);
        const row = new RegExp(`^0*${b.size}\\t\\w+\\t\\w+\\t\\d+\\t${b.exporter}\\t0*${b.ino}\\t`, 'm');
        expect(bufinfo).toMatch(row);
      }
      expect(s!.processes).toEqual([
        expect.objectContaining({ pid: gst.pid, command: 'gst-launch-1.0', buffers: s!.buffers.length }),
      ]);

      const d = await dmabuf('devices', '--json');
      expect(d.code).toBe(0);
      const cam = (JSON.parse(d.stdout) as DevicesReport).v4l2.find((v) => v.path === '/dev/video0')!;
      expect(cam.queues[0]!.capabilitiesError).toMatch(/^EBUSY/);
      expect(cam.queues[0]!.formats.length).toBeGreaterThan(0);
    } finally {
      gst.kill('SIGINT');
      await exited;
    }
  });
});
