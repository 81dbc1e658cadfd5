import { defineConfig } from 'vitest/config';

// Runs inside the virtual lab (dmabuf-lab vitest): real udmabuf, virtio-gpu and vivid.
export default defineConfig({
  test: {
    name: 'examples-lab',
    include: ['test/**/*.lab.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
