import { unitTests } from '../../vitest.preset.js';

export default unitTests('api-docs');
