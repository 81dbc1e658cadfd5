import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli (lab)',
    include: ['test/**/*.lab.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
