import { defineProject } from 'vitest/config';

// Host unit tests: the pure parts (encoders, parsing, apt sources, messages).
export default defineProject({
  test: {
    name: 'lab',
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.lab.test.ts'],
    testTimeout: 20_000,
  },
});
