import { unitTests } from '../../vitest.preset.js';

export default unitTests('examples', { testTimeout: 30_000 });
