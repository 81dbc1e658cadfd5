import { defineConfig } from 'vitest/config';

// One vitest project per package (each has its own vitest.config.ts with defineProject).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
