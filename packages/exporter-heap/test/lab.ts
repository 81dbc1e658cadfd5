import { inLab } from '@dmabuf/lab/guest';
import { describe, it } from 'vitest';

export const NOT_IN_LAB = 'needs the lab kernel with dma-heaps: run `pnpm test:lab` (dmabuf-lab vitest)';

/** Define the suite in the lab; outside it, one test that says why it was skipped. */
export function labSuite(name: string, define: () => void): void {
  if (inLab()) {
    describe(name, define);
  } else {
    describe(name, () => it(`skipped: ${NOT_IN_LAB}`, (ctx) => ctx.skip(NOT_IN_LAB)));
  }
}
