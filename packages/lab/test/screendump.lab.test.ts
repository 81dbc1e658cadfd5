import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { pixelAt, screendump } from '../guest/index.js';
import { labSuite } from '../guest/suite.js';

labSuite('screendump from inside the guest', { needs: ['virtio-gpu'] }, () => {
  it('gives the virtio-gpu scanout as a PNG plus RGB pixels', async () => {
    const t0 = Date.now();
    const shot = await screendump('lab-selftest');
    console.log(`screendump ${shot.width}x${shot.height} in ${Date.now() - t0} ms, host: ${shot.hostPath}`);
    expect(shot.width).toBeGreaterThan(0);
    expect(shot.height).toBeGreaterThan(0);
    expect(shot.pixels.length).toBe(shot.width * shot.height * 3);
    expect(readFileSync(shot.path).subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(pixelAt(shot, 0, 0)).toHaveLength(3);
  });

  it('refuses names that are not plain file names', async () => {
    await expect(screendump('../escape')).rejects.toMatchObject({
      name: 'LabError',
      code: 'EINVAL',
      message: expect.stringMatching(/for name but received '\.\.\/escape'/),
    });
  });
});
