import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'install-test',
    include: ['test/**/*.test.ts'],
    // packing five packages and an npm install from the registry
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
