import { readFileSync, rmSync } from 'node:fs';
import { openFdCount } from '@dmabuf/core';
import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { cameraToVkms, encodeToFile } from '../src/camera-m2m.js';

labSuite('camera → vim2m → vicodec → file', { needs: ['vivid', 'vim2m', 'vicodec'] }, () => {
  it('encodes 10 frames: the file holds every FWHT frame; no fd leaked', async () => {
    const fds = openFdCount();
    const out = `/tmp/camera-m2m-${process.pid}.fwht`; // the guest's tmpfs, not the shared root
    try {
      const r = await encodeToFile({ frames: 10, out, log: console.log });
      console.log(`camera-m2m encode: ${r.frames} frames, ${r.bytes} bytes (${r.sizes.join(' ')})`);
      expect(r.frames).toBe(10);
      const file = readFileSync(out);
      expect(file.length).toBe(r.bytes);
      let at = 0;
      for (const size of r.sizes) {
        expect([...file.subarray(at, at + 8)]).toEqual([0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff]);
        at += size;
      }
    } finally {
      rmSync(out, { force: true });
    }
    expect(openFdCount()).toBe(fds);
  });
});

labSuite(
  'camera → vim2m (RGB565) → vkms overlay, read back by writeback',
  { needs: ['vivid', 'vim2m', 'vkms'] },
  () => {
    it('the RG16 overlay shows the colour bars vim2m converted, as the writeback connector reads them', async () => {
      const r = await cameraToVkms({ frames: 3, log: console.log });
      console.log(
        `camera-m2m vkms: bars ${r.bars[0]!.map((v) => v.toString(16)).join(' ')} at ${JSON.stringify(r.where)}`,
      );
      for (const row of r.bars)
        expect(row.map((v) => v.toString(16))).toEqual(r.expected.map((v) => v.toString(16)));
    });
  },
);
