import { defineConfig } from 'vitest/config';

// Runs inside the lab guest (`dmabuf-lab vitest`): TCG is ~15x slower than the host.
export default defineConfig({
  test: {
    name: 'lab:guest',
    include: ['test/**/*.lab.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
