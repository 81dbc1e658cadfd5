import { describe, expect, it } from 'vitest';
import { runCloseCallbacks } from '../src/close-callbacks.js';

// DrmDevice.close runs its onClose callbacks through this (issue 15: a rejecting async callback
// was an unhandled rejection, found by the bad-input corpus in the lab).
describe('onClose callbacks', () => {
  it('a throw is collected and the later callbacks still run', () => {
    const ran: number[] = [];
    const errors = runCloseCallbacks(
      [
        () => ran.push(1),
        () => {
          throw new Error('restore failed');
        },
        () => ran.push(3),
      ],
      '/dev/dri/card1',
    );
    expect(ran).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
  });

  it('a Promise that rejects becomes a process warning, not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const warnings: Error[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    const onWarning = (w: Error) => warnings.push(w);
    process.on('unhandledRejection', onUnhandled);
    process.on('warning', onWarning);
    try {
      const errors = runCloseCallbacks(
        [(async () => Promise.reject(new Error('late failure'))) as unknown as () => void],
        '/dev/dri/card1',
      );
      expect(errors).toEqual([]);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      const w = warnings.find((x) => (x as Error & { code?: string }).code === 'DMABUF_CLOSE_CALLBACK');
      expect(w?.message).toContain("/dev/dri/card1: an onClose callback's Promise rejected");
      expect(w?.message).toContain('late failure');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('warning', onWarning);
    }
  });
});
