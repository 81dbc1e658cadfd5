import { labSuite } from '@dmabuf/lab/suite';
import { expect, it } from 'vitest';
import { producer } from '../src/share-frames.js';

labSuite('share-frames example in the lab (real udmabuf)', { needs: ['udmabuf'] }, () => {
  it('two processes share udmabuf frames; every frame verified; no fd leaked', async () => {
    const r = await producer(20);
    expect(r).toMatchObject({
      exporter: 'udmabuf',
      frames: 20,
      verified: 20,
      fdsLeakedProducer: 0,
      fdsLeakedConsumer: 0,
    });
  });
});
