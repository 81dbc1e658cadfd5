import { unitTests } from '../../vitest.preset.js';

// Each case compiles a one-file addon (~10-20 s on a loaded 2-core host).
export default unitTests('build-native', { testTimeout: 300_000 });
