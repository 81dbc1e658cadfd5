import { labTests } from '../../vitest.preset.js';

// Runs inside the virtual lab (dmabuf-lab vitest): real udmabuf, virtio-gpu and vivid.
export default labTests('examples', { testTimeout: 300_000 });
