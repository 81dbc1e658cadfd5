import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'importer-v4l2 (lab)',
    include: ['test/**/*.lab.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One boot, one process: the suites share the lab's vivid instance.
    fileParallelism: false,
  },
});
