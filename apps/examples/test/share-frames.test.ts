import { describe, expect, it } from 'vitest';
import { producer } from '../src/share-frames.js';

describe('share-frames example (host: ring exporter over memfds)', () => {
  it('a child process verifies every frame and no fd leaks on either side', async () => {
    const r = await producer(12);
    expect(r).toMatchObject({ frames: 12, verified: 12, fdsLeakedProducer: 0, fdsLeakedConsumer: 0 });
  });
});
