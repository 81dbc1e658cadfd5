import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DmaBuf, Framework, openFdCount } from '@dmabuf/core';
import { udmabufPlugin } from '@dmabuf/exporter-udmabuf';
import { labSuite } from '@dmabuf/lab/suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeviceLostError } from '../../importer-v4l2/src/index.js'; // the same module as its vivid helpers
import {
  quietPattern,
  resetVivid,
  take,
  unplugMidStream,
  vividCapture,
} from '../../importer-v4l2/test/lab-helpers.js';

labSuite('peer check and device loss on vivid', { needs: ['vivid', 'udmabuf'] }, () => {
  let fw: Framework;

  beforeAll(async () => {
    fw = await Framework.create({ plugins: [udmabufPlugin()] });
    fw.export({ exporter: 'udmabuf', size: 4096 }).put(); // opens /dev/udmabuf (kept until close)
  });
  afterAll(async () => {
    await fw?.close();
  });

  it('frames captured into udmabufs are byte-identical to what v4l2-ctl --stream-mmap --stream-to captures', async () => {
    const ours: Buffer[] = [];
    let path: string;
    {
      using dev = vividCapture();
      path = dev.path;
      resetVivid(dev);
      quietPattern(dev);
      const q = dev.queue('capture', { count: 4 });
      const bufs: DmaBuf[] = Array.from({ length: 4 }, () =>
        fw.export({ exporter: 'udmabuf', size: q.format.planes[0]!.sizeimage }),
      );
      try {
        for (const b of bufs) q.queue(b);
        q.start();
        await take(q, 3, (f) => {
          using r = f.buffer!.cpuAccess('read');
          ours.push(Buffer.from(r.bytes.subarray(0, f.bytesUsed)));
        });
      } finally {
        q.close();
        for (const b of bufs) b.put();
      }
    }
    const file = join(mkdtempSync(join(tmpdir(), 'v4l2-peer-')), 'frames.yuv');
    const r = spawnSync(
      'v4l2-ctl',
      [
        '-d',
        path,
        '--set-fmt-video=width=640,height=360,pixelformat=YUYV',
        '--stream-mmap=4',
        '--stream-count=3',
        `--stream-to=${file}`,
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const theirs = readFileSync(file);
    expect(theirs.length).toBe(3 * 460800);
    expect(new Set(ours[0]!).size).toBeGreaterThan(4); // real content, not a blank buffer
    for (let i = 0; i < 3; i++) {
      const peer = theirs.subarray(i * 460800, (i + 1) * 460800);
      for (const frame of ours) expect(Buffer.compare(frame, peer)).toBe(0);
    }
  });

  it('a device that disappears mid-stream: DeviceLostError, the stream stopped, every buffer detached, no fd leaked', async () => {
    const fdsBefore = openFdCount();
    const busInfo = await unplugMidStream(fw, 300, ({ dev, q, bufs, err, frames }) => {
      expect(err).toBeInstanceOf(DeviceLostError);
      expect(err).toMatchObject({ code: 'ENODEV', errno: 19 });
      expect((err as Error).message).toMatch(new RegExp(`V4L2 ${dev.path} is gone`));
      expect(q.streaming).toBe(false);
      expect(q.slots).toHaveLength(0);
      for (const b of bufs) expect(b.attachments).toHaveLength(0);
      expect(() => dev.getFormat()).toThrow(DeviceLostError);
      expect(frames).toBeGreaterThanOrEqual(0);
    });
    expect(openFdCount()).toBe(fdsBefore);
    // the instance is back and streams again
    using again = vividCapture({ busInfo });
    expect(again.getFormat().planes).toHaveLength(1);
  });
});
