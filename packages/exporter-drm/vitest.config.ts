import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'exporter-drm',
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.lab.test.ts'],
  },
});
