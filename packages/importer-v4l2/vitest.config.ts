import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'importer-v4l2',
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.lab.test.ts'],
  },
});
