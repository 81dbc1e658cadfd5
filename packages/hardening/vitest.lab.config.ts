import { labTests } from '../../vitest.preset.js';

export default labTests('hardening');
