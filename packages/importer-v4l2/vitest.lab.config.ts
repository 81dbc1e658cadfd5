import { labTests } from '../../vitest.preset.js';

export default labTests('importer-v4l2');
