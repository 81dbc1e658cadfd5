import { qemuPool } from '@dmabuf/build-native/qemu-pool';
import { defineConfig } from 'vitest/config';

// The core's unit tests that need no kernel driver (memfd, fd ops, the
// lifecycle and the exporter contract on the memfd test exporter, layouts, the format table,
// plugins, bad input), run by a node of another arch under qemu-user: the
// arm64 and armv7 prebuilds (prebuilds/linux-<arch>) do the work. vitest and
// its transforms stay on the host; see @dmabuf/build-native/qemu-pool.
// Left out, and why: the channel, poll and leak-guard files spawn child
// nodes (process.execPath is the foreign node, which the host cannot exec
// without binfmt_misc) or count fds, which qemu-user's own fds disturb.
const files = [
  'test/lifecycle.test.ts',
  'test/contract.test.ts',
  'test/compute-layout.test.ts',
  'test/plugins.test.ts',
  'test/bad-input.test.ts',
  'test/errno.test.ts',
  'test/formats.test.ts',
];

export default defineConfig({
  test: {
    projects: (['arm64', 'arm'] as const).map((arch) => ({
      test: {
        name: `core (qemu-user ${arch})`,
        include: files,
        pool: qemuPool(arch),
        env: { DMABUF_UNDER_QEMU_USER: arch },
        // one foreign node per project, reused across files: its start-up under emulation is the cost
        isolate: false,
        maxWorkers: 1,
        testTimeout: 120_000,
        hookTimeout: 120_000,
      },
    })),
  },
});
