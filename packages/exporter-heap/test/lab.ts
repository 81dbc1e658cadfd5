import { whyUnavailable } from '@dmabuf/lab/guest';
import { describe, it } from 'vitest';

export const NOT_IN_LAB = 'needs the lab kernel with dma-heaps: run `pnpm test:lab` (dmabuf-lab vitest)';

/**
 * Define the suite where the lab has the system dma-heap; elsewhere one test that says why it was
 * skipped (outside the lab, or in the aarch64 lab: Debian's arm64 kernel has no dma-heaps).
 */
export function labSuite(name: string, define: () => void): void {
  const why = whyUnavailable(['dma_heap']);
  if (!why) {
    describe(name, define);
  } else {
    const text = why.startsWith('not in the dmabuf-lab guest') ? NOT_IN_LAB : why;
    describe(name, () => it(`skipped: ${text}`, (ctx) => ctx.skip(text)));
  }
}
