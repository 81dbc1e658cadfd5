import { unitTests } from '../../vitest.preset.js';

export default unitTests('install-test', {
  // packing five packages and an npm install from the registry
  testTimeout: 300_000,
  hookTimeout: 300_000,
});
