import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

type TestOptions = NonNullable<UserWorkspaceConfig['test']>;

/**
 * The one vitest setup every package uses (its vitest.config.ts is `export default unitTests('name')`).
 * Host unit tests: test/**\/*.test.ts, the lab's own tests left out.
 */
export function unitTests(name: string, test: TestOptions = {}) {
  return defineProject({
    test: {
      name,
      include: ['test/**/*.test.ts'],
      exclude: ['test/**/*.lab.test.ts'],
      testTimeout: 20_000,
      ...test,
    },
  });
}

/**
 * Lab tests (vitest.lab.config.ts), run inside the guest by `dmabuf-lab vitest`: one boot per
 * package, one file at a time (the files share the lab's devices), timeouts for TCG (~15x slower).
 */
export function labTests(name: string, test: TestOptions = {}) {
  return defineProject({
    test: {
      name: `${name} (lab)`,
      include: ['test/**/*.lab.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
      ...test,
    },
  });
}
