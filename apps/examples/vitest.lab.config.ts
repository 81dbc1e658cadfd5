import { labTests } from '../../vitest.preset.js';

// Runs inside the virtual lab (dmabuf-lab vitest): real udmabuf, virtio-gpu, vivid and vkms (its writeback reads the composed picture back).
export default labTests('examples', { testTimeout: 300_000 });
