import { defineProject } from 'vitest/config';

// Run inside the lab: `dmabuf-lab vitest` (from this folder) boots once and runs these.
export default defineProject({
  test: {
    name: 'exporter-drm (lab)',
    include: ['test/**/*.lab.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
