import { unitTests } from '../../vitest.preset.js';

export default unitTests('importer-v4l2');
